#include "train/model/projector.h"

#include <ATen/ATen.h>

namespace studio::train {

ProjectorImpl::ProjectorImpl(const ModelConfig& config) {
    const int64_t in = static_cast<int64_t>(config.vitWidth) * static_cast<int64_t>(config.outFeatureIndexes.size());
    auto stages = register_module("stages", std::make_shared<torch::nn::Module>());
    auto stage0 = stages->register_module("0", std::make_shared<torch::nn::Module>());
    fuse = stage0->register_module("0", C2f(in, config.hiddenDim, config.projectorBlocks));
    norm = stage0->register_module("1", ChannelLayerNorm(config.hiddenDim));
}

at::Tensor ProjectorImpl::forward(const std::vector<at::Tensor>& taps) {
    at::Tensor x = taps.size() == 1 ? taps[0] : at::cat(taps, 1);
    return norm->forward(fuse->forward(x));
}

}  // namespace studio::train
