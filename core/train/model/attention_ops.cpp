#include "train/model/attention_ops.h"

#include <cmath>

#include <ATen/ATen.h>
#include <torch/version.h>

#include "train/model/kernel_path.h"

namespace studio::train {

namespace {
at::Tensor splitHeads(const at::Tensor& x, int64_t heads) {  // [B, T, H*d] -> [B, H, T, d]
    return x.reshape({x.size(0), x.size(1), heads, x.size(2) / heads}).permute({0, 2, 1, 3});
}
at::Tensor mergeHeads(const at::Tensor& context, const at::Tensor& q) {  // [B, H, T, d] -> [B, T, H*d]
    return context.permute({0, 2, 1, 3}).reshape({q.size(0), q.size(1), q.size(2)});
}
}  // namespace

at::Tensor multiHeadAttentionMath(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                                  AttentionScaling scaling) {
    at::Tensor qh = splitHeads(q, heads), kh = splitHeads(k, heads), vh = splitHeads(v, heads);
    const double root = std::sqrt(static_cast<double>(q.size(2) / heads));  // divide, as the reference does
    at::Tensor scores = scaling == AttentionScaling::QueryFirst ? at::matmul(qh / root, kh.transpose(-1, -2))
                                                                : at::matmul(qh, kh.transpose(-1, -2)) / root;
    return mergeHeads(at::matmul(at::softmax(scores, -1), vh), q);
}

at::Tensor multiHeadAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                              AttentionScaling scaling) {
#if TORCH_VERSION_MAJOR >= 2
    if (sdpaFor(kernelPath(KernelOp::Attention)))
        return mergeHeads(at::scaled_dot_product_attention(splitHeads(q, heads), splitHeads(k, heads),
                                                           splitHeads(v, heads)),
                          q);
#endif
    return multiHeadAttentionMath(q, k, v, heads, scaling);
}

}  // namespace studio::train
