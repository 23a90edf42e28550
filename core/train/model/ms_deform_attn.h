#pragma once
// Multi-scale deformable attention with reference boxes, as rfdetr's MSDeformAttn (rfdetr-spec.md §3).
// The projections live here; the sampling core (ms_deform_attn_core.h) runs rfdetr's grid_sample ops or
// the fused CUDA kernel (kernel_path.h). Names: sampling_offsets, attention_weights, value_proj, output_proj.
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "train/model/ms_deform_attn_core.h"

namespace studio::train {

class MsDeformAttnImpl : public torch::nn::Module {
public:
    MsDeformAttnImpl(int64_t dModel, int64_t levels, int64_t heads, int64_t points);

    /// query [B, Lq, d]; reference [B, Lq, levels, 4] (cxcywh, normalised); value input [B, Lin, d];
    /// padding mask [B, Lin] (true = padding) or undefined -> [B, Lq, d].
    at::Tensor forward(const at::Tensor& query, const at::Tensor& reference, const at::Tensor& input,
                       const SpatialShapes& shapes, const at::Tensor& paddingMask = {});
    /// rfdetr's _reset_parameters: zero offsets weight, directional bias, zero attention weights, xavier projections.
    void resetParameters();

    torch::nn::Linear samplingOffsets{nullptr}, attentionWeights{nullptr}, valueProj{nullptr}, outputProj{nullptr};

private:
    int64_t m_dModel, m_levels, m_heads, m_points;
};
TORCH_MODULE(MsDeformAttn);

}  // namespace studio::train
