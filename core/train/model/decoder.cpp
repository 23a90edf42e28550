#include "train/model/decoder.h"

#include <ATen/ATen.h>

#include "train/model/position_encoding.h"

namespace studio::train {

DecoderImpl::DecoderImpl(const ModelConfig& c) : m_dModel(c.hiddenDim) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (int l = 0; l < c.decoderLayers; ++l) layers->push_back(DecoderLayer(c));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hiddenDim})));
    refPointHead = register_module("ref_point_head", Mlp(2 * c.hiddenDim, c.hiddenDim, c.hiddenDim, 2));
}

at::Tensor DecoderImpl::forward(const at::Tensor& tgt, const at::Tensor& memory, const at::Tensor& reference,
                                const at::Tensor& validRatios, const SpatialShapes& shapes,
                                const at::Tensor& paddingMask, int64_t groups) {
    at::Tensor refInput = reference.unsqueeze(2);  // [B, NQ, 1, 4]
    if (validRatios.defined()) refInput = refInput * at::cat({validRatios, validRatios}, -1).unsqueeze(1);
    at::Tensor queryPos = refPointHead->forward(boxSineEmbedding(refInput.select(2, 0), m_dModel / 2));
    std::vector<at::Tensor> hs;
    at::Tensor out = tgt;
    for (size_t l = 0; l < layers->size(); ++l) {
        out = layers->ptr<DecoderLayerImpl>(l)->forward(out, queryPos, refInput, memory, shapes, paddingMask, groups);
        hs.push_back(norm->forward(out));
    }
    return at::stack(hs);
}

}  // namespace studio::train
