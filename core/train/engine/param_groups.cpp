#include "train/engine/param_groups.h"

#include <cmath>
#include <cstdlib>

namespace studio::train {

namespace {
bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }
}  // namespace

LrRecipe lrRecipeFrom(const RunConfig& cfg, int lastOutFeatureIndex) {
    LrRecipe r;
    r.lr = cfg.lr;
    r.lrEncoder = cfg.lrEncoder;
    r.lrVitLayerDecay = cfg.lrVitLayerDecay;
    r.lrComponentDecay = cfg.lrComponentDecay;
    r.weightDecay = cfg.weightDecay;
    r.vitNumLayers = lastOutFeatureIndex + 1;
    return r;
}

const char* nameOf(ParamComponent c) {
    switch (c) {
        case ParamComponent::Other: return "other";
        case ParamComponent::Encoder: return "encoder";
        case ParamComponent::Decoder: return "decoder";
    }
    return "?";
}

int vitLayerId(const std::string& name, int vitNumLayers) {
    if (contains(name, "embeddings")) return 0;
    const std::size_t at = name.find(".layer.");
    if (at != std::string::npos && !contains(name, ".residual.")) {
        const char* digits = name.c_str() + at + 7;
        char* end = nullptr;
        const long i = std::strtol(digits, &end, 10);
        if (end != digits) return static_cast<int>(i) + 1;
    }
    return vitNumLayers + 1;
}

bool vitNoWeightDecay(const std::string& name) {
    for (const char* part : {"gamma", "pos_embed", "rel_pos", "bias", "norm", "embeddings"})
        if (contains(name, part)) return true;
    return false;
}

ParamComponent componentOf(const std::string& name) {
    if (contains(name, "backbone.0.encoder")) return ParamComponent::Encoder;
    if (contains(name, "transformer.decoder")) return ParamComponent::Decoder;
    return ParamComponent::Other;
}

std::vector<ParamGroupSpec> buildParamGroups(const std::vector<std::string>& names, const LrRecipe& recipe) {
    std::vector<ParamGroupSpec> other, encoder, decoder;
    const double componentSq = recipe.lrComponentDecay * recipe.lrComponentDecay;
    for (std::size_t i = 0; i < names.size(); ++i) {
        ParamGroupSpec g;
        g.paramIndex = i;
        g.name = names[i];
        g.component = componentOf(g.name);
        switch (g.component) {
            case ParamComponent::Encoder: {
                g.vitLayerId = vitLayerId(g.name, recipe.vitNumLayers);
                const int exponent = recipe.vitNumLayers + 1 - g.vitLayerId;
                g.lr = recipe.lrEncoder * std::pow(recipe.lrVitLayerDecay, exponent) * componentSq;
                g.weightDecay = vitNoWeightDecay(g.name) ? 0.0 : recipe.weightDecay;
                encoder.push_back(std::move(g));
                break;
            }
            case ParamComponent::Decoder:
                g.lr = recipe.lr * recipe.lrComponentDecay;
                g.weightDecay = recipe.weightDecay;
                decoder.push_back(std::move(g));
                break;
            case ParamComponent::Other:
                g.lr = recipe.lr;
                g.weightDecay = recipe.weightDecay;
                other.push_back(std::move(g));
                break;
        }
    }
    std::vector<ParamGroupSpec> all;
    all.reserve(names.size());
    for (auto* part : {&other, &encoder, &decoder})
        for (auto& g : *part) all.push_back(std::move(g));
    return all;
}

}  // namespace studio::train
