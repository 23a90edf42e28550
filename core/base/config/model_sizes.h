#pragma once
// The RF-DETR model sizes the Studio trains, with the numbers that define them
// (shared/reference/rfdetr-spec.md §0). One table, used by the config defaults, the GUI and the model.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace studio {

enum class ModelSize { Nano, Small, Medium, Large };

struct ModelSizeSpec {
    ModelSize size;
    const char* name;              // "small" — the value users type
    int resolution;                // eval/infer resolution in pixels (multiple of 32)
    int positionalEncodingSize;    // ViT position-embedding grid side (resolution / 16)
    int decoderLayers;
    int trainResizeMax;            // largest multi-scale training resolution (§6.7)
    long long parametersCoco;      // trainable parameters with 91 logits, 13 groups (log.txt n_parameters)
    int numSelect;                 // detections kept by predict()
};

/// All supported sizes, smallest first.
const std::vector<ModelSizeSpec>& modelSizeSpecs();
/// Spec of one size (always valid).
const ModelSizeSpec& modelSizeSpec(ModelSize size);
/// Parses "small" / "Medium" ... ; nullopt for anything else.
std::optional<ModelSize> parseModelSize(std::string_view text);
const char* nameOf(ModelSize size);
/// "nano, small, medium, large" for error messages.
std::string modelSizeChoices();

/// Parameter count of the training model for `numClassLogits` logits (num_classes + 1), `numQueries`
/// queries per group and `groupDetr` groups (rfdetr's defaults: 300 x 13).
long long trainableParameters(ModelSize size, int numClassLogits, int numQueries = 300, int groupDetr = 13);

/// Multi-scale training resolutions (§6.8): multiples of 32 around `resolution`.
std::vector<int> multiScaleResolutions(int resolution, bool expanded = true);

}  // namespace studio
