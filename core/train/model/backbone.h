#pragma once
// backbone.0 of rfdetr's Joiner: the windowed DINOv2 encoder (under encoder.encoder, as the DinoV2 wrapper
// nests it) and the projector. Checks the input images before running anything.
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "train/model/model_config.h"
#include "train/model/model_trace.h"
#include "train/model/projector.h"
#include "train/model/windowed_vit.h"

namespace studio::train {

class BackboneImpl : public torch::nn::Module {
public:
    explicit BackboneImpl(const ModelConfig& config);

    /// images [B, 3, H, W] -> projector map [B, hidden, H/16, W/16]. Throws std::invalid_argument for a
    /// wrong rank, channel count or a side that is not a multiple of patch x windows (32).
    at::Tensor forward(const at::Tensor& images, ModelTrace* trace = nullptr);

    WindowedVit vit{nullptr};
    Projector projector{nullptr};

private:
    int m_blockSize;
};
TORCH_MODULE(Backbone);

/// Throws std::invalid_argument with a user-facing message when `images` is not [B, 3, H, W] with H and W
/// positive multiples of `blockSize`.
void checkModelInput(const at::Tensor& images, int blockSize);

}  // namespace studio::train
