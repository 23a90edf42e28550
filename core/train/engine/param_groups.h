#pragma once
// rfdetr's optimiser parameter groups (rfdetr-spec.md §6.2): every trainable parameter is its own group,
// ordered "other" parameters first, then the ViT encoder's (layer-wise lr decay, weight-decay exclusions by
// name), then the decoder's (component decay). Pure functions of the parameter names, so the table can be
// checked without building a model. No Torch here.
#include <string>
#include <vector>

#include "base/config/run_config.h"

namespace studio::train {

/// The learning-rate knobs of the recipe (a RunConfig subset) plus the ViT depth that the decay counts from.
struct LrRecipe {
    double lr = 1e-4;                // everything but the encoder and the decoder
    double lrEncoder = 1.5e-4;       // the ViT encoder before decay
    double lrVitLayerDecay = 0.8;    // per ViT layer, counted from the top
    double lrComponentDecay = 0.7;   // encoder x decay^2, decoder x decay
    double weightDecay = 1e-4;
    int vitNumLayers = 13;           // out_feature_indexes.back() + 1 (13 for nano..large)
};

/// The recipe of `cfg` for a ViT whose last tapped hidden state is `lastOutFeatureIndex` (12 for nano..large).
LrRecipe lrRecipeFrom(const RunConfig& cfg, int lastOutFeatureIndex = 12);

enum class ParamComponent { Other, Encoder, Decoder };
const char* nameOf(ParamComponent c);

struct ParamGroupSpec {
    std::size_t paramIndex = 0;  // position of the parameter in the names given to buildParamGroups
    std::string name;
    ParamComponent component = ParamComponent::Other;
    int vitLayerId = -1;         // encoder only: 0 embeddings, i + 1 for layer i, numLayers + 1 the rest
    double lr = 0;               // initial lr (before the schedule)
    double weightDecay = 0;
};

/// rfdetr's ViT layer id of an encoder parameter name (§1.6).
int vitLayerId(const std::string& name, int vitNumLayers);
/// True when an encoder parameter gets no weight decay (gamma, pos_embed, rel_pos, bias, norm, embeddings).
bool vitNoWeightDecay(const std::string& name);
/// Component of a parameter by name: "backbone.0.encoder" -> Encoder, "transformer.decoder" -> Decoder.
ParamComponent componentOf(const std::string& name);

/// One group per name in rfdetr's order (other, encoder, decoder; each in the given order). `names` are the
/// trainable parameters in named_parameters() order. Pure; any thread.
std::vector<ParamGroupSpec> buildParamGroups(const std::vector<std::string>& names, const LrRecipe& recipe);

}  // namespace studio::train
