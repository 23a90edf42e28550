#pragma once
// The transformer decoder with lite reference-point refinement (rfdetr-spec.md §2.6): the reference boxes
// are embedded once (sine -> ref_point_head) and shared by every layer; each layer's output goes through
// the shared final LayerNorm. Names: layers.{l}.*, norm.*, ref_point_head.layers.{0,1}.*.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "train/model/decoder_layer.h"
#include "train/model/mlp.h"
#include "train/model/model_config.h"

namespace studio::train {

class DecoderImpl : public torch::nn::Module {
public:
    explicit DecoderImpl(const ModelConfig& config);

    /// tgt [B, NQ, d], memory [B, N, d], reference [B, NQ, 4] (cxcywh), validRatios [B, levels, 2] or
    /// undefined (no padding) -> hs [L, B, NQ, d] (after the shared norm).
    at::Tensor forward(const at::Tensor& tgt, const at::Tensor& memory, const at::Tensor& reference,
                       const at::Tensor& validRatios, const SpatialShapes& shapes, const at::Tensor& paddingMask,
                       int64_t groups);

    torch::nn::ModuleList layers{nullptr};
    torch::nn::LayerNorm norm{nullptr};
    Mlp refPointHead{nullptr};

private:
    int64_t m_dModel;
};
TORCH_MODULE(Decoder);

}  // namespace studio::train
