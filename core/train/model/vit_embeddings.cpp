#include "train/model/vit_embeddings.h"

#include <cmath>

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include "train/model/init_ops.h"
#include "train/model/window_ops.h"

namespace studio::train {

VitEmbeddingsImpl::VitEmbeddingsImpl(const ModelConfig& config)
    : m_patchSize(config.patchSize), m_numWindows(config.numWindows) {
    const int64_t c = config.vitWidth;
    const int64_t grid = config.positionalEncodingSize;
    clsToken = register_parameter("cls_token", torch::zeros({1, 1, c}));
    maskToken = register_parameter("mask_token", torch::zeros({1, c}));
    positionEmbeddings = register_parameter("position_embeddings", torch::zeros({1, 1 + grid * grid, c}));
    auto holder = register_module("patch_embeddings", std::make_shared<torch::nn::Module>());
    projection = holder->register_module(
        "projection", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, c, config.patchSize).stride(config.patchSize)));
    resetParameters();
}

void VitEmbeddingsImpl::resetParameters() {
    torch::NoGradGuard noGrad;
    truncNormal_(positionEmbeddings, 0.02);
    truncNormal_(clsToken, 0.02);
    maskToken.zero_();
    truncNormal_(projection->weight, 0.02);
    projection->bias.zero_();
}

at::Tensor VitEmbeddingsImpl::positionEmbeddingFor(std::int64_t hp, std::int64_t wp) const {
    const std::int64_t positions = positionEmbeddings.size(1) - 1;
    if (hp * wp == positions && hp == wp) return positionEmbeddings;
    const auto side = static_cast<std::int64_t>(std::lround(std::sqrt(static_cast<double>(positions))));
    const std::int64_t c = positionEmbeddings.size(2);
    at::Tensor cls = positionEmbeddings.narrow(1, 0, 1);
    at::Tensor grid = positionEmbeddings.narrow(1, 1, positions).reshape({1, side, side, c}).permute({0, 3, 1, 2});
    // rfdetr interpolates in float32 with antialiased bicubic (a = -0.5), align_corners=False.
    at::Tensor resized = at::_upsample_bicubic2d_aa(grid.to(at::kFloat), {hp, wp}, false)
                             .to(positionEmbeddings.scalar_type());
    resized = resized.permute({0, 2, 3, 1}).reshape({1, hp * wp, c});
    return at::cat({cls, resized}, 1);
}

at::Tensor VitEmbeddingsImpl::forward(const at::Tensor& images) {
    const std::int64_t b = images.size(0);
    const std::int64_t hp = images.size(2) / m_patchSize;
    const std::int64_t wp = images.size(3) / m_patchSize;
    at::Tensor x = projection->forward(images.to(projection->weight.scalar_type()));  // [B, C, hp, wp]
    x = x.flatten(2).transpose(1, 2);                                                // [B, hp*wp, C]
    x = at::cat({clsToken.expand({b, -1, -1}), x}, 1);
    x = x + positionEmbeddingFor(hp, wp);
    return partitionWindows(x, hp, wp, m_numWindows);
}

}  // namespace studio::train
