#include "train/model/position_encoding.h"

#include <ATen/ATen.h>

namespace studio::train {

namespace {
constexpr double kTwoPi = 6.283185307179586;

// Interleaved sin/cos of v[..., None] / dim_t: [..., numFeats].
at::Tensor sineBlock(const at::Tensor& v, const at::Tensor& dimT) {
    at::Tensor p = v.unsqueeze(-1) / dimT;
    using at::indexing::Slice;
    at::Tensor s = p.index({"...", Slice(0, at::indexing::None, 2)}).sin();
    at::Tensor c = p.index({"...", Slice(1, at::indexing::None, 2)}).cos();
    return at::stack({s, c}, -1).flatten(-2);
}

at::Tensor temperatures(int64_t numFeats, const at::TensorOptions& options) {
    at::Tensor t = at::arange(numFeats, options);
    return at::pow(10000.0, 2 * at::div(t, 2, "floor") / static_cast<double>(numFeats));
}
}  // namespace

at::Tensor boxSineEmbedding(const at::Tensor& boxes, int64_t numFeats) {
    at::Tensor dimT = temperatures(numFeats, boxes.options());
    at::Tensor x = sineBlock(boxes.select(-1, 0) * kTwoPi, dimT);
    at::Tensor y = sineBlock(boxes.select(-1, 1) * kTwoPi, dimT);
    at::Tensor w = sineBlock(boxes.select(-1, 2) * kTwoPi, dimT);
    at::Tensor h = sineBlock(boxes.select(-1, 3) * kTwoPi, dimT);
    return at::cat({y, x, w, h}, -1);
}

at::Tensor featureSineEmbedding(const at::Tensor& mask, int64_t numPosFeats) {
    at::Tensor notMask = mask.logical_not();
    at::Tensor y = notMask.cumsum(1, at::kFloat);
    at::Tensor x = notMask.cumsum(2, at::kFloat);
    const double eps = 1e-6;
    using at::indexing::Slice;
    y = y / (y.index({Slice(), Slice(-1, at::indexing::None), Slice()}) + eps) * kTwoPi;
    x = x / (x.index({Slice(), Slice(), Slice(-1, at::indexing::None)}) + eps) * kTwoPi;
    at::Tensor dimT = temperatures(numPosFeats, mask.options().dtype(at::kFloat));
    at::Tensor py = sineBlock(y, dimT), px = sineBlock(x, dimT);  // [B, H, W, F]
    return at::cat({py, px}, 3).permute({0, 3, 1, 2});
}

at::Tensor applyBoxDelta(const at::Tensor& delta, const at::Tensor& boxes) {
    at::Tensor cxcy = delta.narrow(-1, 0, 2) * boxes.narrow(-1, 2, 2) + boxes.narrow(-1, 0, 2);
    at::Tensor wh = delta.narrow(-1, 2, 2).exp() * boxes.narrow(-1, 2, 2);
    return at::cat({cxcy, wh}, -1);
}

at::Tensor modelBoxCxcywhToXyxy(const at::Tensor& boxes) {
    at::Tensor c = boxes.narrow(-1, 0, 2);
    at::Tensor half = boxes.narrow(-1, 2, 2).clamp_min(0.0) * 0.5;
    return at::cat({c - half, c + half}, -1);
}

}  // namespace studio::train
