#pragma once
// rfdetr's MLP: Linear layers with ReLU between them (bbox heads, ref_point_head). Names: layers.{i}.*.
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace studio::train {

class MlpImpl : public torch::nn::Module {
public:
    MlpImpl(int64_t in, int64_t hidden, int64_t out, int layers);
    at::Tensor forward(at::Tensor x);
    /// The i-th Linear layer.
    torch::nn::Linear layer(size_t i) const;
    size_t numLayers() const { return layers->size(); }

    torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(Mlp);

}  // namespace studio::train
