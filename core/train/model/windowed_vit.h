#pragma once
// The windowed DINOv2 ViT backbone (rfdetr-spec.md §1): embeddings, layers (windowed or global attention),
// shared final LayerNorm applied to each tapped layer output, un-windowed to NCHW maps.
// State-dict names under backbone.0.encoder.encoder: embeddings.*, encoder.layer.{i}.*, layernorm.*.
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include "train/model/model_config.h"
#include "train/model/model_trace.h"
#include "train/model/vit_embeddings.h"
#include "train/model/vit_layer.h"

namespace studio::train {

class WindowedVitImpl : public torch::nn::Module {
public:
    explicit WindowedVitImpl(const ModelConfig& config);

    /// images [B, 3, H, W] -> one [B, C, H/16, W/16] map per tap, in tap order. Fills `trace` if given.
    std::vector<at::Tensor> forward(const at::Tensor& images, ModelTrace* trace = nullptr);

    VitEmbeddings embeddings{nullptr};
    torch::nn::ModuleList layers{nullptr};
    torch::nn::LayerNorm layernorm{nullptr};

private:
    ModelConfig m_config;
};
TORCH_MODULE(WindowedVit);

}  // namespace studio::train
