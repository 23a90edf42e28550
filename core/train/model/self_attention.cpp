#include "train/model/self_attention.h"

#include <ATen/ATen.h>

#include "train/model/attention_ops.h"
#include "train/model/init_ops.h"

namespace studio::train {

SelfAttentionImpl::SelfAttentionImpl(int64_t dModel, int64_t heads) : m_dModel(dModel), m_heads(heads) {
    inProjWeight = register_parameter("in_proj_weight", torch::empty({3 * dModel, dModel}));
    inProjBias = register_parameter("in_proj_bias", torch::zeros({3 * dModel}));
    outProj = register_module("out_proj", torch::nn::Linear(dModel, dModel));
    resetParameters();
}

void SelfAttentionImpl::resetParameters() {
    torch::NoGradGuard noGrad;
    xavierUniform_(inProjWeight);
    inProjBias.zero_();
    outProj->bias.zero_();
}

at::Tensor SelfAttentionImpl::forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
    const int64_t d = m_dModel;
    at::Tensor pq = at::linear(q, inProjWeight.narrow(0, 0, d), inProjBias.narrow(0, 0, d));
    at::Tensor pk = at::linear(k, inProjWeight.narrow(0, d, d), inProjBias.narrow(0, d, d));
    at::Tensor pv = at::linear(v, inProjWeight.narrow(0, 2 * d, d), inProjBias.narrow(0, 2 * d, d));
    return outProj->forward(multiHeadAttention(pq, pk, pv, m_heads, AttentionScaling::QueryFirst));
}

}  // namespace studio::train
