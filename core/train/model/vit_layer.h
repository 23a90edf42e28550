#pragma once
// One pre-norm DINOv2 transformer layer with layer scale, run inside windows or over the whole image
// (rfdetr-spec.md §1.4). State-dict names: norm1, attention.attention.{query,key,value},
// attention.output.dense, layer_scale1.lambda1, norm2, mlp.fc1, mlp.fc2, layer_scale2.lambda1.
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "train/model/model_config.h"

namespace studio::train {

class VitLayerImpl : public torch::nn::Module {
public:
    VitLayerImpl(const ModelConfig& config, bool fullAttention);

    /// windows [B*nw², T, C] -> same shape. A full-attention layer attends over all windows of an image.
    at::Tensor forward(const at::Tensor& windows);
    void resetParameters();

    bool fullAttention() const { return m_fullAttention; }

private:
    at::Tensor attend(const at::Tensor& x);  // multi-head self-attention over dim 1

    bool m_fullAttention;
    int m_heads;
    int m_windowsPerImage;
    torch::nn::LayerNorm m_norm1{nullptr}, m_norm2{nullptr};
    torch::nn::Linear m_query{nullptr}, m_key{nullptr}, m_value{nullptr}, m_dense{nullptr};
    torch::nn::Linear m_fc1{nullptr}, m_fc2{nullptr};
    at::Tensor m_lambda1, m_lambda2;
};
TORCH_MODULE(VitLayer);

}  // namespace studio::train
