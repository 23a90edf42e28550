#pragma once
// Scaled dot-product multi-head attention on already projected q, k, v (no mask, no dropout).
// LibTorch >= 2 uses the fused SDPA kernels (flash / memory-efficient on CUDA); 1.13, and any build with
// STUDIO_MODEL_KERNELS=reference (kernel_path.h), runs the eager math of rfdetr's reference
// (softmax(q kᵀ / √d) v).
#include <ATen/Tensor.h>

namespace studio::train {

enum class AttentionScaling {
    AfterMatmul,   // HF DINOv2 eager: (q kᵀ) / √d
    QueryFirst,    // nn.MultiheadAttention: (q / √d) kᵀ
};

/// q [B, Tq, H*d], k and v [B, Tk, H*d] -> [B, Tq, H*d]: SDPA or eager math as kernelPath(KernelOp::Attention) selects.
/// Any device and dtype.
at::Tensor multiHeadAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                              AttentionScaling scaling = AttentionScaling::AfterMatmul);

/// The eager math path of multiHeadAttention (the reference), whatever the kernel path.
at::Tensor multiHeadAttentionMath(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, int64_t heads,
                                  AttentionScaling scaling = AttentionScaling::AfterMatmul);

}  // namespace studio::train
