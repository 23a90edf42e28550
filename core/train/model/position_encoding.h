#pragma once
// Sine embeddings (rfdetr-spec.md §2.2, §2.6) and the box re-parameterisation used by every box head.
#include <ATen/Tensor.h>

namespace studio::train {

/// gen_sineembed_for_position: boxes [B, N, 4] (cx, cy, w, h) -> [B, N, 4*numFeats] in block order
/// (cy, cx, w, h), each block interleaving sin/cos with temperature 10000 and scale 2π.
at::Tensor boxSineEmbedding(const at::Tensor& boxes, int64_t numFeats);

/// PositionEmbeddingSine(numPosFeats, normalize=True) of a feature mask [B, H, W] (true = padding)
/// -> [B, 2*numPosFeats, H, W] as (pos_y, pos_x). rfdetr computes it but never uses it; kept for parity.
at::Tensor featureSineEmbedding(const at::Tensor& mask, int64_t numPosFeats);

/// bbox_reparam: (δx*w + x, δy*h + y, exp(δw)*w, exp(δh)*h) for deltas [..., 4] against boxes [..., 4]
/// (broadcasting).
at::Tensor applyBoxDelta(const at::Tensor& delta, const at::Tensor& boxes);

/// cxcywh -> x1y1x2y2 with widths and heights clamped at 0 (rfdetr's box_cxcywh_to_xyxy).
at::Tensor modelBoxCxcywhToXyxy(const at::Tensor& boxes);

}  // namespace studio::train
