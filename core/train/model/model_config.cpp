#include "train/model/model_config.h"

#include <algorithm>

namespace studio::train {

ModelConfig ModelConfig::forSize(ModelSize size, int numClassLogits) {
    const ModelSizeSpec& spec = modelSizeSpec(size);
    ModelConfig c;
    c.size = size;
    c.resolution = spec.resolution;
    c.positionalEncodingSize = spec.positionalEncodingSize;
    c.decoderLayers = spec.decoderLayers;
    c.numSelect = spec.numSelect;
    c.numClassLogits = numClassLogits;
    return c;
}

ModelConfig ModelConfig::tinyFixture() {
    ModelConfig c;
    c.vitWidth = 192;
    c.vitHeads = 3;
    c.vitLayers = 4;
    c.outFeatureIndexes = {2, 4};
    c.positionalEncodingSize = 10;
    c.hiddenDim = 64;
    c.dimFeedforward = 256;
    c.decoderLayers = 3;
    c.numQueries = 30;
    c.groupDetr = 3;
    c.numClassLogits = 4;
    c.resolution = 160;
    c.numSelect = 20;
    return c;
}

std::vector<int> ModelConfig::windowBlockIndexes() const {
    std::vector<int> out;
    const int last = outFeatureIndexes.empty() ? 0 : outFeatureIndexes.back();
    for (int i = 0; i <= last; ++i)
        if (std::find(outFeatureIndexes.begin(), outFeatureIndexes.end(), i) == outFeatureIndexes.end())
            out.push_back(i);
    return out;
}

bool ModelConfig::fullAttention(int layer) const {
    const auto w = windowBlockIndexes();
    return std::find(w.begin(), w.end(), layer) == w.end();
}

int ModelConfig::layersToRun() const {
    return outFeatureIndexes.empty() ? 0 : std::min(vitLayers, outFeatureIndexes.back());
}

std::vector<int> ModelConfig::tapLayers() const {
    std::vector<int> out;
    for (int i : outFeatureIndexes) out.push_back(i - 1);
    return out;
}

std::vector<std::string> ModelConfig::problems() const {
    std::vector<std::string> p;
    auto need = [&](bool ok, const std::string& what) {
        if (!ok) p.push_back(what);
    };
    need(vitWidth > 0 && vitHeads > 0 && vitWidth % vitHeads == 0, "ViT width must be a multiple of its heads");
    need(hiddenDim > 0 && selfAttnHeads > 0 && hiddenDim % selfAttnHeads == 0,
         "hidden_dim must be a multiple of the self-attention heads");
    need(crossAttnHeads > 0 && hiddenDim % crossAttnHeads == 0,
         "hidden_dim must be a multiple of the cross-attention heads");
    need(hiddenDim % 2 == 0 && projectorBlocks > 0, "hidden_dim must be even and the projector needs blocks");
    need(!outFeatureIndexes.empty() && std::is_sorted(outFeatureIndexes.begin(), outFeatureIndexes.end()) &&
             outFeatureIndexes.front() >= 1 && outFeatureIndexes.back() <= vitLayers,
         "out_feature_indexes must be ascending within 1..layers");
    need(patchSize > 0 && numWindows > 0 && positionalEncodingSize % numWindows == 0,
         "the position grid must split into whole windows");
    need(decoderLayers >= 1 && decoderPoints >= 1 && dimFeedforward >= 1, "decoder sizes must be positive");
    need(numQueries >= 1 && groupDetr >= 1, "queries and groups must be positive");
    need(numClassLogits >= 1, "the class head needs at least one logit");
    need(resolution > 0 && resolution % blockSize() == 0, "resolution must be a multiple of patch x windows");
    need(numSelect >= 1, "num_select must be positive");
    return p;
}

std::string ModelConfig::describe() const {
    std::string name = size ? std::string("RF-DETR ") + nameOf(*size) : "custom RF-DETR";
    return name + " (" + std::to_string(resolution) + " px, " + std::to_string(decoderLayers) +
           " decoder layers, " + std::to_string(numClassLogits) + " logits, " + std::to_string(numQueries) +
           " queries x " + std::to_string(groupDetr) + " groups)";
}

}  // namespace studio::train
