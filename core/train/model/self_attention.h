#pragma once
// nn.MultiheadAttention(d, heads, batch_first=True) as the decoder uses it: packed in_proj_weight
// [3d, d] = [W_q; W_k; W_v], in_proj_bias, out_proj. Names: in_proj_weight, in_proj_bias, out_proj.*.
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace studio::train {

class SelfAttentionImpl : public torch::nn::Module {
public:
    SelfAttentionImpl(int64_t dModel, int64_t heads);
    /// q, k [B, T, d], v [B, T, d] -> [B, T, d] (no mask, no dropout).
    at::Tensor forward(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);
    void resetParameters();

    at::Tensor inProjWeight, inProjBias;
    torch::nn::Linear outProj{nullptr};

private:
    int64_t m_dModel, m_heads;
};
TORCH_MODULE(SelfAttention);

}  // namespace studio::train
