#include "train/model/windowed_vit.h"

#include <algorithm>

#include <ATen/ATen.h>

#include "train/model/window_ops.h"

namespace studio::train {

WindowedVitImpl::WindowedVitImpl(const ModelConfig& config) : m_config(config) {
    embeddings = register_module("embeddings", VitEmbeddings(config));
    auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
    layers = encoder->register_module("layer", torch::nn::ModuleList());
    for (int i = 0; i < config.vitLayers; ++i) layers->push_back(VitLayer(config, config.fullAttention(i)));
    layernorm = register_module(
        "layernorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.vitWidth}).eps(config.vitLayerNormEps)));
}

std::vector<at::Tensor> WindowedVitImpl::forward(const at::Tensor& images, ModelTrace* trace) {
    const int64_t hp = images.size(2) / m_config.patchSize;
    const int64_t wp = images.size(3) / m_config.patchSize;
    const std::vector<int> taps = m_config.tapLayers();
    std::vector<at::Tensor> out;
    at::Tensor h = embeddings->forward(images);
    if (trace) trace->vitEmbeddings = h;
    const int run = m_config.layersToRun();
    for (int i = 0; i < run; ++i) {
        h = layers->ptr<VitLayerImpl>(static_cast<size_t>(i))->forward(h);
        if (trace) trace->vitLayerOutputs.push_back(h);
        if (std::find(taps.begin(), taps.end(), i) != taps.end())
            out.push_back(unpartitionWindows(layernorm->forward(h), hp, wp, m_config.numWindows));
    }
    if (trace) trace->encoderTaps = out;
    return out;
}

}  // namespace studio::train
