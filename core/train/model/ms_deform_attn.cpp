#include "train/model/ms_deform_attn.h"

#include <cmath>
#include <stdexcept>

#include <ATen/ATen.h>

#include "train/model/init_ops.h"

namespace studio::train {

namespace {
constexpr double kPi = 3.14159265358979323846;
}  // namespace

MsDeformAttnImpl::MsDeformAttnImpl(int64_t dModel, int64_t levels, int64_t heads, int64_t points)
    : m_dModel(dModel), m_levels(levels), m_heads(heads), m_points(points) {
    samplingOffsets = register_module("sampling_offsets", torch::nn::Linear(dModel, heads * levels * points * 2));
    attentionWeights = register_module("attention_weights", torch::nn::Linear(dModel, heads * levels * points));
    valueProj = register_module("value_proj", torch::nn::Linear(dModel, dModel));
    outputProj = register_module("output_proj", torch::nn::Linear(dModel, dModel));
    resetParameters();
}

void MsDeformAttnImpl::resetParameters() {
    torch::NoGradGuard noGrad;
    samplingOffsets->weight.zero_();
    at::Tensor thetas = at::arange(m_heads, at::kFloat) * (2.0 * kPi / static_cast<double>(m_heads));
    at::Tensor grid = at::stack({thetas.cos(), thetas.sin()}, -1);
    grid = (grid / std::get<0>(grid.abs().max(-1, true))).view({m_heads, 1, 1, 2}).repeat({1, m_levels, m_points, 1});
    for (int64_t p = 0; p < m_points; ++p) grid.select(2, p).mul_(static_cast<double>(p + 1));
    samplingOffsets->bias.copy_(grid.view({-1}));
    attentionWeights->weight.zero_();
    attentionWeights->bias.zero_();
    xavierUniform_(valueProj->weight);
    valueProj->bias.zero_();
    xavierUniform_(outputProj->weight);
    outputProj->bias.zero_();
}

at::Tensor MsDeformAttnImpl::forward(const at::Tensor& query, const at::Tensor& reference, const at::Tensor& input,
                                     const SpatialShapes& shapes, const at::Tensor& paddingMask) {
    const int64_t b = query.size(0), lq = query.size(1), lin = input.size(1);
    const int64_t headDim = m_dModel / m_heads;
    if (static_cast<int64_t>(shapes.size()) != m_levels) throw std::invalid_argument("MSDeformAttn: level count mismatch");
    if (reference.size(-1) != 4) throw std::invalid_argument("MSDeformAttn: reference boxes must have 4 coordinates");

    at::Tensor value = valueProj->forward(input);
    if (paddingMask.defined()) value = value.masked_fill(paddingMask.unsqueeze(-1), 0.0);
    at::Tensor offsets = samplingOffsets->forward(query).view({b, lq, m_heads, m_levels, m_points, 2});
    at::Tensor weights = attentionWeights->forward(query).view({b, lq, m_heads, m_levels * m_points});
    // loc = ref_xy + off / P * ref_wh * 0.5   [B, Lq, M, L, P, 2]
    using at::indexing::Slice;
    at::Tensor refXy = reference.index({Slice(), Slice(), at::indexing::None, Slice(), at::indexing::None, Slice(0, 2)});
    at::Tensor refWh = reference.index({Slice(), Slice(), at::indexing::None, Slice(), at::indexing::None, Slice(2, 4)});
    at::Tensor locations = refXy + offsets / static_cast<double>(m_points) * refWh * 0.5;
    weights = at::softmax(weights, -1).view({b, lq, m_heads, m_levels, m_points});
    at::Tensor out = msDeformAttnCore(value.view({b, lin, m_heads, headDim}), shapes, locations, weights);
    return outputProj->forward(out);
}

}  // namespace studio::train
