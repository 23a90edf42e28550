#include "train/model/mlp.h"

#include <ATen/ATen.h>

namespace studio::train {

MlpImpl::MlpImpl(int64_t in, int64_t hidden, int64_t out, int numLayers) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (int i = 0; i < numLayers; ++i) {
        const int64_t a = i == 0 ? in : hidden;
        const int64_t b = i == numLayers - 1 ? out : hidden;
        layers->push_back(torch::nn::Linear(a, b));
    }
}

torch::nn::Linear MlpImpl::layer(size_t i) const { return torch::nn::Linear(layers->ptr<torch::nn::LinearImpl>(i)); }

at::Tensor MlpImpl::forward(at::Tensor x) {
    for (size_t i = 0; i < layers->size(); ++i) {
        x = layers->ptr<torch::nn::LinearImpl>(i)->forward(x);
        if (i + 1 < layers->size()) x = at::relu(x);
    }
    return x;
}

}  // namespace studio::train
