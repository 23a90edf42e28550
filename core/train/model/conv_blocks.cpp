#include "train/model/conv_blocks.h"

#include <ATen/ATen.h>

namespace studio::train {

ChannelLayerNormImpl::ChannelLayerNormImpl(int64_t channels, double eps) : m_eps(eps) {
    weight = register_parameter("weight", torch::ones({channels}));
    bias = register_parameter("bias", torch::zeros({channels}));
}

at::Tensor ChannelLayerNormImpl::forward(const at::Tensor& x) {
    // In the weight dtype: CUDA autocast runs layer_norm in float32 anyway, CPU autocast would not.
    at::Tensor y = x.permute({0, 2, 3, 1}).to(weight.scalar_type());
    y = at::layer_norm(y, {y.size(3)}, weight, bias, m_eps);
    return y.permute({0, 3, 1, 2});
}

ConvXImpl::ConvXImpl(int64_t in, int64_t out, int64_t kernel) {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                          .padding(kernel / 2)
                                                          .bias(false)));
    bn = register_module("bn", ChannelLayerNorm(out));
}

at::Tensor ConvXImpl::forward(const at::Tensor& x) { return at::silu(bn->forward(conv->forward(x.contiguous()))); }

BottleneckImpl::BottleneckImpl(int64_t channels) {
    cv1 = register_module("cv1", ConvX(channels, channels, 3));
    cv2 = register_module("cv2", ConvX(channels, channels, 3));
}

at::Tensor BottleneckImpl::forward(const at::Tensor& x) { return cv2->forward(cv1->forward(x)); }

C2fImpl::C2fImpl(int64_t in, int64_t out, int64_t blocks) : m_hidden(out / 2) {
    cv1 = register_module("cv1", ConvX(in, 2 * m_hidden, 1));
    cv2 = register_module("cv2", ConvX((2 + blocks) * m_hidden, out, 1));
    m = register_module("m", torch::nn::ModuleList());
    for (int64_t j = 0; j < blocks; ++j) m->push_back(Bottleneck(m_hidden));
}

at::Tensor C2fImpl::forward(const at::Tensor& x) {
    std::vector<at::Tensor> y = cv1->forward(x).split(m_hidden, 1);
    for (size_t j = 0; j < m->size(); ++j) y.push_back(m->ptr<BottleneckImpl>(j)->forward(y.back()));
    return cv2->forward(at::cat(y, 1));
}

}  // namespace studio::train
