#pragma once
// Box geometry on tensors (rfdetr util/box_ops.py semantics, float op order kept so float32 results
// are bit-identical to the reference on CPU). Boxes are [..., 4]; any floating dtype; any device.
// No epsilon: two identical zero-area boxes give 0/0 = NaN, as in the reference.
#include <utility>

#include <ATen/Tensor.h>

namespace studio::train {

/// (cx, cy, w, h) -> (x0, y0, x1, y1); w and h are clamped at 0 first, so negative sizes become a
/// point.
at::Tensor boxCxcywhToXyxy(const at::Tensor& cxcywh);

/// Area of xyxy boxes [..., 4] -> [...]: (x1 - x0) * (y1 - y0), unclamped.
at::Tensor boxArea(const at::Tensor& xyxy);

/// IoU and union of xyxy boxes that broadcast against each other: a [..., 4], b [..., 4] -> [...]
/// each.
std::pair<at::Tensor, at::Tensor> boxIouBroadcast(const at::Tensor& a, const at::Tensor& b);
/// Generalized IoU of broadcasting xyxy boxes -> [...]: IoU - (enclosing - union) / enclosing.
at::Tensor generalizedBoxIouBroadcast(const at::Tensor& a, const at::Tensor& b);

/// Pairwise IoU and union: a [N, 4], b [M, 4] -> [N, M] each (box_ops.box_iou).
std::pair<at::Tensor, at::Tensor> boxIouPairwise(const at::Tensor& a, const at::Tensor& b);
/// Pairwise GIoU: a [N, 4], b [M, 4] -> [N, M] (box_ops.generalized_box_iou).
at::Tensor generalizedBoxIouPairwise(const at::Tensor& a, const at::Tensor& b);

/// Element-wise IoU of matched pairs: a [N, 4], b [N, 4] -> [N]; equals diag(boxIouPairwise(a,
/// b).first).
at::Tensor boxIouElementwise(const at::Tensor& a, const at::Tensor& b);
/// Element-wise GIoU of matched pairs -> [N]; equals diag(generalizedBoxIouPairwise(a, b)).
at::Tensor generalizedBoxIouElementwise(const at::Tensor& a, const at::Tensor& b);

}  // namespace studio::train
