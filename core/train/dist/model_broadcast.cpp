#include "train/dist/model_broadcast.h"

#include <torch/nn/module.h>

#include "train/dist/dist_context.h"

namespace studio::train {

void broadcastModule(DistContext& dist, torch::nn::Module& module, int root) {
    if (dist.worldSize() <= 1) return;
    std::vector<at::Tensor> tensors;
    for (const auto& p : module.parameters(true)) tensors.push_back(p);
    for (const auto& b : module.buffers(true)) tensors.push_back(b);
    dist.broadcast(tensors, root);
}

}  // namespace studio::train
