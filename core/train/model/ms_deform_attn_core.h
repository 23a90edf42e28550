#pragma once
// The core of multi-scale deformable attention (rfdetr's ms_deform_attn_core_pytorch, rfdetr-spec.md §3):
// bilinear sampling of the projected value at the sampling locations and the weighted sum, after the
// projections. Two implementations of one function: the reference tensor ops (grid_sample, autograd; any
// device and dtype) and the fused op (ms_deform_attn_function.h). msDeformAttnCore picks (kernel_path.h).
#include <cstdint>
#include <utility>
#include <vector>

#include <ATen/Tensor.h>

namespace studio::train {

/// (height, width) of each feature level, in memory order.
using SpatialShapes = std::vector<std::pair<int64_t, int64_t>>;

/// Shape checks shared by both implementations: value [B, Lin, M, D], locations [B, Lq, M, L, P, 2],
/// weights [B, Lq, M, L, P], L = shapes.size(), Lin = sum of h * w, one device, floating types.
/// Throws std::invalid_argument naming the tensor and the expected shape.
void checkMsDeformAttnInputs(const at::Tensor& value, const SpatialShapes& shapes, const at::Tensor& locations,
                             const at::Tensor& weights);

/// The reference: value [B, Lin, M, D]; locations [B, Lq, M, L, P, 2] ((x, y) normalised to [0, 1]);
/// weights [B, Lq, M, L, P] (softmax-normalised) -> [B, Lq, M*D]. grid_sample with zeros padding and
/// align_corners=False; differentiable through autograd. Any device and floating dtype.
at::Tensor msDeformAttnReference(const at::Tensor& value, const SpatialShapes& shapes, const at::Tensor& locations,
                                 const at::Tensor& weights);

/// The same function through the path kernelPath(KernelOp::DeformAttn) selects for value's device (the model's call site).
at::Tensor msDeformAttnCore(const at::Tensor& value, const SpatialShapes& shapes, const at::Tensor& locations,
                            const at::Tensor& weights);

}  // namespace studio::train
