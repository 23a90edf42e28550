#pragma once
// DINOv2 embeddings with windowing (rfdetr-spec.md §1.2-§1.3): patch conv, CLS token, learned position
// embeddings (bicubic-antialias resized when the patch grid differs from the stored one), window partition.
// State-dict names: cls_token, mask_token, position_embeddings, patch_embeddings.projection.{weight,bias}.
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "train/model/model_config.h"

namespace studio::train {

class VitEmbeddingsImpl : public torch::nn::Module {
public:
    explicit VitEmbeddingsImpl(const ModelConfig& config);

    /// images [B, 3, H, W] (H, W multiples of patch x windows) -> windowed tokens [B*nw², 1 + hpw*wpw, C].
    at::Tensor forward(const at::Tensor& images);
    /// The position embeddings for a hp x wp patch grid: [1, 1 + hp*wp, C] (interpolated in float32).
    at::Tensor positionEmbeddingFor(std::int64_t hp, std::int64_t wp) const;
    /// DINOv2 init: truncated normal (std 0.02) for position embeddings and CLS, zeros for mask_token.
    void resetParameters();

    at::Tensor clsToken, maskToken, positionEmbeddings;
    torch::nn::Conv2d projection{nullptr};

private:
    int m_patchSize;
    int m_numWindows;
};
TORCH_MODULE(VitEmbeddings);

}  // namespace studio::train
