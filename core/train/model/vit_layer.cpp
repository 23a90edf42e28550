#include "train/model/vit_layer.h"

#include <cmath>

#include <ATen/ATen.h>

#include "train/model/attention_ops.h"
#include "train/model/init_ops.h"

namespace studio::train {

namespace {
std::shared_ptr<torch::nn::Module> holder(torch::nn::Module& parent, const std::string& name) {
    return parent.register_module(name, std::make_shared<torch::nn::Module>());
}
}  // namespace

VitLayerImpl::VitLayerImpl(const ModelConfig& config, bool fullAttention)
    : m_fullAttention(fullAttention), m_heads(config.vitHeads), m_windowsPerImage(config.numWindows * config.numWindows) {
    const int64_t c = config.vitWidth;
    const auto ln = torch::nn::LayerNormOptions({c}).eps(config.vitLayerNormEps);
    m_norm1 = register_module("norm1", torch::nn::LayerNorm(ln));
    auto attention = holder(*this, "attention");
    auto self = holder(*attention, "attention");
    m_query = self->register_module("query", torch::nn::Linear(c, c));
    m_key = self->register_module("key", torch::nn::Linear(c, c));
    m_value = self->register_module("value", torch::nn::Linear(c, c));
    m_dense = holder(*attention, "output")->register_module("dense", torch::nn::Linear(c, c));
    m_lambda1 = holder(*this, "layer_scale1")->register_parameter("lambda1", torch::ones({c}));
    m_norm2 = register_module("norm2", torch::nn::LayerNorm(ln));
    auto mlp = holder(*this, "mlp");
    m_fc1 = mlp->register_module("fc1", torch::nn::Linear(c, c * config.vitMlpRatio));
    m_fc2 = mlp->register_module("fc2", torch::nn::Linear(c * config.vitMlpRatio, c));
    m_lambda2 = holder(*this, "layer_scale2")->register_parameter("lambda1", torch::ones({c}));
    resetParameters();
}

void VitLayerImpl::resetParameters() {
    torch::NoGradGuard noGrad;
    for (auto* l : {&m_query, &m_key, &m_value, &m_dense, &m_fc1, &m_fc2}) {
        truncNormal_((*l)->weight, 0.02);
        (*l)->bias.zero_();
    }
    m_lambda1.fill_(1.0);
    m_lambda2.fill_(1.0);
    m_norm1->reset_parameters();
    m_norm2->reset_parameters();
}

at::Tensor VitLayerImpl::attend(const at::Tensor& x) {
    return multiHeadAttention(m_query->forward(x), m_key->forward(x), m_value->forward(x), m_heads);
}

at::Tensor VitLayerImpl::forward(const at::Tensor& windows) {
    const int64_t bw = windows.size(0), t = windows.size(1), c = windows.size(2);
    at::Tensor normed = m_norm1->forward(windows);
    if (m_fullAttention) normed = normed.reshape({bw / m_windowsPerImage, m_windowsPerImage * t, c});
    at::Tensor attn = m_dense->forward(attend(normed));
    if (m_fullAttention) attn = attn.reshape({bw, t, c});
    at::Tensor h = attn * m_lambda1 + windows;
    at::Tensor mlp = m_fc2->forward(at::gelu(m_fc1->forward(m_norm2->forward(h))));
    return mlp * m_lambda2 + h;
}

}  // namespace studio::train
