#include "train/model/ms_deform_attn_core.h"

#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

#include "train/model/kernel_path.h"
#include "train/model/ms_deform_attn_function.h"

namespace studio::train {

namespace {

std::string shapeText(const at::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

[[noreturn]] void fail(const std::string& what) {
    throw std::invalid_argument("MSDeformAttn: " + what);
}

}  // namespace

void checkMsDeformAttnInputs(const at::Tensor& value, const SpatialShapes& shapes, const at::Tensor& locations,
                             const at::Tensor& weights) {
    if (!value.defined() || !locations.defined() || !weights.defined()) fail("value, locations and weights are required");
    if (value.dim() != 4) fail("value must be [B, Lin, heads, head_dim], got " + shapeText(value));
    if (locations.dim() != 6 || locations.size(5) != 2)
        fail("sampling locations must be [B, Lq, heads, levels, points, 2], got " + shapeText(locations));
    if (weights.dim() != 5) fail("attention weights must be [B, Lq, heads, levels, points], got " + shapeText(weights));
    const int64_t b = value.size(0), heads = value.size(2);
    if (locations.size(0) != b || locations.size(2) != heads)
        fail("sampling locations " + shapeText(locations) + " do not match value " + shapeText(value) +
             " in batch or heads");
    if (weights.sizes() != locations.sizes().slice(0, 5))
        fail("attention weights " + shapeText(weights) + " do not match sampling locations " + shapeText(locations));
    if (locations.size(3) != static_cast<int64_t>(shapes.size()))
        fail("the sampling locations have " + std::to_string(locations.size(3)) + " levels but " +
             std::to_string(shapes.size()) + " spatial shapes were given");
    int64_t total = 0;
    for (const auto& [h, w] : shapes) {
        if (h <= 0 || w <= 0) fail("spatial shape " + std::to_string(h) + "x" + std::to_string(w) + " is empty");
        total += h * w;
    }
    if (total != value.size(1))
        fail("spatial shapes do not cover the memory: they hold " + std::to_string(total) + " positions, value has " +
             std::to_string(value.size(1)));
    if (locations.device() != value.device() || weights.device() != value.device())
        fail("value, sampling locations and attention weights must be on one device");
    if (!at::isFloatingType(value.scalar_type()) || !at::isFloatingType(locations.scalar_type()) ||
        !at::isFloatingType(weights.scalar_type()))
        fail("value, sampling locations and attention weights must be floating point");
}

at::Tensor msDeformAttnReference(const at::Tensor& value, const SpatialShapes& shapes, const at::Tensor& locations,
                                 const at::Tensor& weights) {
    checkMsDeformAttnInputs(value, shapes, locations, weights);
    const int64_t b = value.size(0), lin = value.size(1), heads = value.size(2), headDim = value.size(3);
    const int64_t lq = locations.size(1), levels = locations.size(3), points = locations.size(4);
    // As rfdetr: [B, Lin, M*D] -> [B, M*D, Lin] -> [B, M, D, Lin]; one grid_sample per level.
    at::Tensor v = value.flatten(2).transpose(1, 2).contiguous().view({b, heads, headDim, lin});
    at::Tensor grids = 2 * locations - 1;
    std::vector<at::Tensor> sampled;
    int64_t start = 0;
    for (int64_t l = 0; l < levels; ++l) {
        const auto [h, w] = shapes[static_cast<size_t>(l)];
        at::Tensor valueL = v.narrow(3, start, h * w).reshape({b * heads, headDim, h, w});
        at::Tensor gridL = grids.select(3, l).transpose(1, 2).flatten(0, 1);  // [B*M, Lq, P, 2]
        sampled.push_back(at::grid_sampler(valueL, gridL, /*bilinear*/ 0, /*zeros*/ 0, /*align_corners*/ false));
        start += h * w;
    }
    at::Tensor attn = weights.flatten(3).transpose(1, 2).reshape({b * heads, 1, lq, levels * points});
    at::Tensor stacked = at::stack(sampled, -2).flatten(-2);  // [B*M, D, Lq, L*P]
    at::Tensor out = (stacked * attn).sum(-1).view({b, heads * headDim, lq});
    return out.transpose(1, 2).contiguous();
}

at::Tensor msDeformAttnCore(const at::Tensor& value, const SpatialShapes& shapes, const at::Tensor& locations,
                            const at::Tensor& weights) {
    if (fusedDeformAttnFor(kernelPath(KernelOp::DeformAttn), value.is_cuda())) return msDeformAttnFused(value, shapes, locations, weights);
    return msDeformAttnReference(value, shapes, locations, weights);
}

}  // namespace studio::train
