#pragma once
// MultiScaleProjector for the P4-only configurations of nano..large (rfdetr-spec.md §2.1): the tapped
// encoder maps are concatenated along channels and fused by C2f + channels-first LayerNorm.
// Names under backbone.0.projector: stages.0.0.* (C2f), stages.0.1.{weight,bias} (LayerNorm).
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "train/model/conv_blocks.h"
#include "train/model/model_config.h"

namespace studio::train {

class ProjectorImpl : public torch::nn::Module {
public:
    explicit ProjectorImpl(const ModelConfig& config);
    /// taps: one [B, C, hp, wp] map per encoder tap -> [B, hidden, hp, wp].
    at::Tensor forward(const std::vector<at::Tensor>& taps);

    C2f fuse{nullptr};
    ChannelLayerNorm norm{nullptr};
};
TORCH_MODULE(Projector);

}  // namespace studio::train
