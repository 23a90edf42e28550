#include "train/model/rfdetr.h"

#include <cmath>
#include <stdexcept>

#include <ATen/ATen.h>

#include "train/model/init_ops.h"
#include "train/model/position_encoding.h"

namespace studio::train {

namespace {

std::string joinProblems(const std::vector<std::string>& p) {
    std::string s;
    for (const auto& x : p) s += (s.empty() ? "" : "; ") + x;
    return s;
}

void copyLinear(torch::nn::LinearImpl& dst, const torch::nn::LinearImpl& src) {
    dst.weight.copy_(src.weight);
    dst.bias.copy_(src.bias);
}

// Rows tiled ceil(n / rows) times and truncated to n (rfdetr's reinitialize_detection_head).
void tileRows(torch::nn::LinearImpl& l, int64_t n) {
    const int64_t rows = l.weight.size(0);
    const int64_t repeats = (n + rows - 1) / rows;
    l.weight.set_data(l.weight.detach().repeat({repeats, 1}).narrow(0, 0, n).clone());
    l.bias.set_data(l.bias.detach().repeat({repeats}).narrow(0, 0, n).clone());
    l.options.out_features(n);
}

}  // namespace

RFDetrImpl::RFDetrImpl(const ModelConfig& config) : m_config(config) {
    if (auto p = config.problems(); !p.empty())
        throw std::invalid_argument("invalid model configuration: " + joinProblems(p));
    const int64_t d = config.hiddenDim;
    const int64_t rows = static_cast<int64_t>(config.numQueries) * config.groupDetr;
    transformer = register_module("transformer", Transformer(config));
    classEmbed = register_module("class_embed", torch::nn::Linear(d, config.numClassLogits));
    bboxEmbed = register_module("bbox_embed", Mlp(d, d, 4, 3));
    refpointEmbed = register_module("refpoint_embed", torch::nn::Embedding(rows, 4));
    queryFeat = register_module("query_feat", torch::nn::Embedding(rows, d));
    backboneList = register_module("backbone", torch::nn::ModuleList());
    backbone = Backbone(config);
    backboneList->push_back(backbone);
    initialise(false);
}

void RFDetrImpl::initialise(bool submodules) {
    torch::NoGradGuard noGrad;
    if (submodules) {  // module defaults first (the constructors did this already)
        for (auto& m : modules(false)) {
            if (auto* l = m->as<torch::nn::LinearImpl>()) l->reset_parameters();
            if (auto* n = m->as<torch::nn::LayerNormImpl>()) n->reset_parameters();
            if (auto* c = m->as<torch::nn::Conv2dImpl>()) c->reset_parameters();
            if (auto* s = m->as<SelfAttentionImpl>()) s->resetParameters();
            if (auto* n = m->as<ChannelLayerNormImpl>()) {
                n->weight.fill_(1.0);
                n->bias.zero_();
            }
            if (auto* e = m->as<VitEmbeddingsImpl>()) e->resetParameters();
            if (auto* l = m->as<VitLayerImpl>()) l->resetParameters();
        }
        queryFeat->weight.normal_();
    }
    // Transformer: xavier on every matrix, then the deformable-attention reset (rfdetr's Transformer init).
    for (auto& p : transformer->decoder->parameters())
        if (p.dim() > 1) xavierUniform_(p);
    for (auto& l : *transformer->encOutput) xavierUniform_(l->as<torch::nn::LinearImpl>()->weight);
    for (auto& m : transformer->decoder->modules(false))
        if (auto* a = m->as<MsDeformAttnImpl>()) a->resetParameters();
    // Heads: prior-probability bias 0.01, zero last box layer; the two-stage heads start as copies.
    classEmbed->bias.fill_(-std::log((1 - 0.01) / 0.01));
    bboxEmbed->layer(2)->weight.zero_();
    bboxEmbed->layer(2)->bias.zero_();
    for (size_t g = 0; g < transformer->encOutClassEmbed->size(); ++g) {
        copyLinear(*transformer->encOutClassEmbed->ptr<torch::nn::LinearImpl>(g), *classEmbed);
        auto box = transformer->encOutBboxEmbed->ptr<MlpImpl>(g);
        for (size_t i = 0; i < box->numLayers(); ++i) copyLinear(*box->layer(i), *bboxEmbed->layer(i));
    }
    refpointEmbed->weight.zero_();
}

void RFDetrImpl::resizeClassHead(int numClassLogits) {
    if (numClassLogits < 1) throw std::invalid_argument("the class head needs at least one logit");
    torch::NoGradGuard noGrad;
    tileRows(*classEmbed, numClassLogits);
    for (size_t g = 0; g < transformer->encOutClassEmbed->size(); ++g)
        tileRows(*transformer->encOutClassEmbed->ptr<torch::nn::LinearImpl>(g), numClassLogits);
    m_config.numClassLogits = numClassLogits;
}

int64_t RFDetrImpl::parameterCount() const {
    int64_t n = 0;
    for (const auto& p : parameters())
        if (p.requires_grad()) n += p.numel();
    return n;
}

int64_t RFDetrImpl::inferenceParameterCount() const {
    int64_t unused = 0;
    for (const auto* list : {&transformer->encOutput, &transformer->encOutputNorm, &transformer->encOutBboxEmbed,
                             &transformer->encOutClassEmbed})
        for (size_t g = 1; g < (*list)->size(); ++g)
            for (const auto& p : (*list)->ptr(g)->parameters()) unused += p.numel();
    const int64_t extraRows = refpointEmbed->weight.size(0) - m_config.numQueries;
    unused += extraRows * (refpointEmbed->weight.size(1) + queryFeat->weight.size(1));
    return parameterCount() - unused;
}

ModelOutput RFDetrImpl::forward(const at::Tensor& images, const at::Tensor& mask, ModelTrace* trace) {
    const int64_t groups = is_training() ? m_config.groupDetr : 1;
    const int64_t rows = static_cast<int64_t>(m_config.numQueries) * groups;
    at::Tensor features = backbone->forward(images, trace);
    at::Tensor featureMask;
    if (mask.defined()) {
        featureMask = at::upsample_nearest2d(mask.unsqueeze(0).to(at::kFloat), {features.size(2), features.size(3)})
                          .to(at::kBool)
                          .squeeze(0);
    }
    TransformerOutput t = transformer->forward(features, featureMask, refpointEmbed->weight.narrow(0, 0, rows),
                                               queryFeat->weight.narrow(0, 0, rows), groups);
    if (trace) {
        trace->hs = t.hs;
        trace->references = t.references;
        trace->hsEnc = t.memoryTs;
        trace->refEnc = t.boxesTs;
    }
    at::Tensor coords = applyBoxDelta(bboxEmbed->forward(t.hs), t.references.unsqueeze(0));  // [L, B, NQ, 4]
    at::Tensor logits = classEmbed->forward(t.hs);                                            // [L, B, NQ, K]
    ModelOutput out;
    out.groups = static_cast<int>(groups);
    const int64_t layers = t.hs.size(0);
    out.final = {logits[layers - 1], coords[layers - 1]};
    for (int64_t l = 0; l + 1 < layers; ++l) out.aux.push_back({logits[l], coords[l]});
    std::vector<at::Tensor> encLogits;
    std::vector<at::Tensor> chunks = t.memoryTs.chunk(groups, 1);
    for (int64_t g = 0; g < groups; ++g)
        encLogits.push_back(transformer->encOutClassEmbed->ptr<torch::nn::LinearImpl>(g)->forward(chunks[g]));
    out.enc = DetectionOutput{at::cat(encLogits, 1), t.boxesTs};
    return out;
}

}  // namespace studio::train
