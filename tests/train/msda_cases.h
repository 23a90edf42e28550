#pragma once
// Shapes and random inputs for checking the fused deformable-attention op against the grid_sample
// reference (tests/train/tst_ms_deform_attn_fused on the CPU, tests/gpu/tst_ms_deform_attn_cuda on CUDA).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "train/model/ms_deform_attn_core.h"

namespace studio::train::testing {

struct MsdaCase {
    std::string name;
    int64_t batch, queries, heads, channels, points;
    SpatialShapes shapes;
};

/// Small cases covering every code path: one and several levels, channel counts that reduce in one
/// shuffle segment (power of two <= 32), in several (64), and with atomics (odd, 24, 48).
inline std::vector<MsdaCase> msdaSmallCases() {
    return {
        {"rfdetr-like tiny (M=4 D=16 L=1 P=2)", 2, 23, 4, 16, 2, {{7, 9}}},
        {"deformable-detr-like (M=8 D=32 L=4 P=4)", 1, 17, 8, 32, 4, {{12, 10}, {6, 5}, {3, 3}, {2, 1}}},
        {"odd channels (M=3 D=5 L=2 P=3)", 2, 11, 3, 5, 3, {{4, 6}, {1, 1}}},
        {"D=24 (segments of 8)", 1, 9, 2, 24, 1, {{5, 5}}},
        {"D=64 (warp-wide segments + atomics)", 1, 13, 2, 64, 2, {{6, 4}, {3, 2}}},
        {"D=1, one pixel level", 3, 5, 2, 1, 2, {{1, 1}, {2, 3}}},
    };
}

/// RF-DETR medium's decoder cross-attention at 576 px in training (13 groups x 300 queries), batch `b`.
inline MsdaCase msdaMediumCase(int64_t b, int64_t side = 36) {
    return {"rfdetr medium train " + std::to_string(side * 16) + " px", b, 3900, 16, 16, 2, {{side, side}}};
}

struct MsdaInputs {
    at::Tensor value, locations, weights, gradOutput;
};

/// Random inputs in `options` (dtype, device) from a seeded CPU generator. Locations span [-0.15, 1.15]
/// (samples outside and across the borders) but keep pixel coordinates at least `margin` away from whole
/// numbers, where the bilinear gradient jumps; weights are softmax-normalised per head.
inline MsdaInputs makeMsdaInputs(const MsdaCase& c, const at::TensorOptions& options, uint64_t seed,
                                 double margin = 1e-3) {
    at::manual_seed(seed);
    const auto cpu = at::TensorOptions().dtype(at::kDouble);
    int64_t lin = 0;
    for (const auto& [h, w] : c.shapes) lin += h * w;
    const int64_t levels = static_cast<int64_t>(c.shapes.size());
    MsdaInputs in;
    in.value = at::randn({c.batch, lin, c.heads, c.channels}, cpu);
    at::Tensor loc = at::empty({c.batch, c.queries, c.heads, levels, c.points, 2}, cpu);
    for (int64_t l = 0; l < levels; ++l) {
        const double sides[2] = {double(c.shapes[size_t(l)].second), double(c.shapes[size_t(l)].first)};  // x: width
        for (int axis = 0; axis < 2; ++axis) {
            const double n = sides[axis];
            // pixel = whole + frac, frac in [margin, 1 - margin]; whole in [-0.15 n, 1.15 n): around and across the level
            at::Tensor whole = at::floor(at::rand({c.batch, c.queries, c.heads, c.points}, cpu) * 1.3 * n - 0.15 * n);
            at::Tensor frac = margin + at::rand({c.batch, c.queries, c.heads, c.points}, cpu) * (1 - 2 * margin);
            loc.select(5, axis).select(3, l).copy_((whole + frac + 0.5) / n);
        }
    }
    in.locations = loc;
    in.weights = at::softmax(at::randn({c.batch, c.queries, c.heads, levels * c.points}, cpu), -1)
                     .view({c.batch, c.queries, c.heads, levels, c.points});
    in.gradOutput = at::randn({c.batch, c.queries, c.heads * c.channels}, cpu);
    in.value = in.value.to(options);
    in.locations = in.locations.to(options);
    in.weights = in.weights.to(options);
    in.gradOutput = in.gradOutput.to(options);
    return in;
}

/// max |a - b| / max(max |b|, floor) (0 when both are zero): a scale-free error for whole tensors.
inline double relativeError(const at::Tensor& a, const at::Tensor& b, double floor = 0.0) {
    at::Tensor x = a.detach().to(at::kCPU, at::kDouble), y = b.detach().to(at::kCPU, at::kDouble);
    const double scale = std::max(floor, y.numel() ? y.abs().max().item<double>() : 0.0);
    const double diff = x.numel() ? (x - y).abs().max().item<double>() : 0.0;
    return scale > 0 ? diff / scale : diff;
}

struct MsdaGrads {
    at::Tensor output, value, locations, weights;
};

/// Output and gradients of `op` (reference or fused, with autograd) for the inputs' gradOutput.
template <typename Op>
MsdaGrads runWithAutograd(Op&& op, const MsdaInputs& in, const SpatialShapes& shapes) {
    at::Tensor v = in.value.detach().clone().set_requires_grad(true);
    at::Tensor l = in.locations.detach().clone().set_requires_grad(true);
    at::Tensor w = in.weights.detach().clone().set_requires_grad(true);
    at::Tensor out = op(v, shapes, l, w);
    (out * in.gradOutput.to(out.scalar_type())).sum().backward();
    return {out.detach(), v.grad(), l.grad(), w.grad()};
}

}  // namespace studio::train::testing
