#pragma once
// One post-norm decoder layer (rfdetr-spec.md §2.6): group-wise self-attention (queries attend only within
// their group in training), deformable cross-attention into the memory, ReLU FFN.
// Names: self_attn.*, norm1, cross_attn.*, linear1, linear2, norm2, norm3.
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "train/model/model_config.h"
#include "train/model/ms_deform_attn.h"
#include "train/model/self_attention.h"

namespace studio::train {

class DecoderLayerImpl : public torch::nn::Module {
public:
    explicit DecoderLayerImpl(const ModelConfig& config);

    /// tgt [B, G*Q, d], queryPos [B, G*Q, d], reference [B, G*Q, levels, 4], memory [B, N, d] -> [B, G*Q, d].
    /// `groups` > 1 folds the groups into the batch for self-attention.
    at::Tensor forward(const at::Tensor& tgt, const at::Tensor& queryPos, const at::Tensor& reference,
                       const at::Tensor& memory, const SpatialShapes& shapes, const at::Tensor& paddingMask,
                       int64_t groups);

    SelfAttention selfAttn{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
    MsDeformAttn crossAttn{nullptr};
    torch::nn::Linear linear1{nullptr}, linear2{nullptr};
};
TORCH_MODULE(DecoderLayer);

}  // namespace studio::train
