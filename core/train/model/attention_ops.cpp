#include "train/model/attention_ops.h"

#include <cmath>

#include <ATen/ATen.h>
#include <torch/version.h>

namespace studio::train {

namespace {
at::Tensor splitHeads(const at::Tensor& x, int64_t heads) {  // [B, T, H*d] -> [B, H, T, d]
    return x.reshape({x.size(0), x.size(1), heads, x.size(2) / heads}).permute({0, 2, 1, 3});
}
}  // namespace

at::Tensor multiHeadAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                              AttentionScaling scaling) {
    const int64_t b = q.size(0), tq = q.size(1), width = q.size(2);
    at::Tensor qh = splitHeads(q, heads), kh = splitHeads(k, heads), vh = splitHeads(v, heads);
    at::Tensor context;
#if TORCH_VERSION_MAJOR >= 2
    (void)scaling;
    context = at::scaled_dot_product_attention(qh, kh, vh);
#else
    const double root = std::sqrt(static_cast<double>(width / heads));  // divide, as the reference does
    at::Tensor scores = scaling == AttentionScaling::QueryFirst ? at::matmul(qh / root, kh.transpose(-1, -2))
                                                                : at::matmul(qh, kh.transpose(-1, -2)) / root;
    context = at::matmul(at::softmax(scores, -1), vh);
#endif
    return context.permute({0, 2, 1, 3}).reshape({b, tq, width});
}

}  // namespace studio::train
