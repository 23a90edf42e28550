#pragma once
// The projector's building blocks (rfdetr-spec.md §2.1): channels-first LayerNorm, ConvX (conv without
// bias -> LayerNorm stored as `bn` -> SiLU), Bottleneck (two 3x3 ConvX, no shortcut), C2f.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

namespace studio::train {

/// LayerNorm over the channels of an NCHW map (eps 1e-6). Names: weight, bias.
class ChannelLayerNormImpl : public torch::nn::Module {
public:
    explicit ChannelLayerNormImpl(int64_t channels, double eps = 1e-6);
    at::Tensor forward(const at::Tensor& x);
    at::Tensor weight, bias;

private:
    double m_eps;
};
TORCH_MODULE(ChannelLayerNorm);

/// Conv2d(k, stride 1, pad k/2, no bias) -> ChannelLayerNorm -> SiLU. Names: conv.weight, bn.{weight,bias}.
class ConvXImpl : public torch::nn::Module {
public:
    ConvXImpl(int64_t in, int64_t out, int64_t kernel);
    at::Tensor forward(const at::Tensor& x);
    torch::nn::Conv2d conv{nullptr};
    ChannelLayerNorm bn{nullptr};
};
TORCH_MODULE(ConvX);

/// cv2(cv1(x)) with 3x3 ConvX blocks (shortcut off in rfdetr's C2f). Names: cv1.*, cv2.*.
class BottleneckImpl : public torch::nn::Module {
public:
    explicit BottleneckImpl(int64_t channels);
    at::Tensor forward(const at::Tensor& x);
    ConvX cv1{nullptr}, cv2{nullptr};
};
TORCH_MODULE(Bottleneck);

/// CSP bottleneck with 2 convolutions: cv1 (1x1, 2c), split, chain of n Bottlenecks on the second half,
/// cv2 (1x1) over all pieces concatenated. Names: cv1.*, cv2.*, m.{j}.*.
class C2fImpl : public torch::nn::Module {
public:
    C2fImpl(int64_t in, int64_t out, int64_t blocks);
    at::Tensor forward(const at::Tensor& x);
    ConvX cv1{nullptr}, cv2{nullptr};
    torch::nn::ModuleList m{nullptr};

private:
    int64_t m_hidden;
};
TORCH_MODULE(C2f);

}  // namespace studio::train
