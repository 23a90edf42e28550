#include "train/model/backbone.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

namespace studio::train {

void checkModelInput(const at::Tensor& images, int blockSize) {
    if (!images.defined()) throw std::invalid_argument("model input: no image tensor");
    if (images.dim() != 4)
        throw std::invalid_argument("model input must be [batch, 3, height, width], got " +
                                    std::to_string(images.dim()) + " dimensions");
    if (images.size(1) != 3)
        throw std::invalid_argument("model input must have 3 (RGB) channels, got " + std::to_string(images.size(1)) +
                                    "; convert grayscale/RGBA images to RGB");
    const int64_t h = images.size(2), w = images.size(3);
    if (h <= 0 || w <= 0 || h % blockSize || w % blockSize)
        throw std::invalid_argument("model input " + std::to_string(h) + "x" + std::to_string(w) +
                                    ": height and width must be positive multiples of " + std::to_string(blockSize) +
                                    " (patch 16 x 2 windows); resize to e.g. " +
                                    std::to_string(std::max<int64_t>(1, (h + blockSize / 2) / blockSize) * blockSize));
    if (!at::isFloatingType(images.scalar_type()))
        throw std::invalid_argument("model input must be a floating-point tensor (normalised pixels), got " +
                                    std::string(c10::toString(images.scalar_type())));
}

BackboneImpl::BackboneImpl(const ModelConfig& config) : m_blockSize(config.blockSize()) {
    auto wrapper = register_module("encoder", std::make_shared<torch::nn::Module>());  // rfdetr's DinoV2
    vit = wrapper->register_module("encoder", WindowedVit(config));
    projector = register_module("projector", Projector(config));
}

at::Tensor BackboneImpl::forward(const at::Tensor& images, ModelTrace* trace) {
    checkModelInput(images, m_blockSize);
    at::Tensor out = projector->forward(vit->forward(images, trace));
    if (trace) trace->projectorOut = out;
    return out;
}

}  // namespace studio::train
