#pragma once
// The arithmetic of multi-scale deformable attention for one (batch, query, head, channel), shared by the
// CUDA kernel (ms_deform_attn_kernel.cu) and its host twin (ms_deform_attn_host.cpp), so the CPU tests
// check the very code the GPU runs. Semantics are those of rfdetr's ms_deform_attn_core_pytorch
// (rfdetr-spec.md §3): grid_sample bilinear, zeros padding, align_corners=False, i.e. a normalised
// location u on a side of n pixels samples pixel coordinate u * n - 0.5.
//
// Layouts (all contiguous, row-major):
//   value      [batch, valueLength, heads, channels]   valueLength = sum of height * width over levels
//   locations  [batch, queries, heads, levels, points, 2]   (x, y) normalised to [0, 1]
//   weights    [batch, queries, heads, levels, points]      already softmax-normalised
//   output     [batch, queries, heads, channels]
// Plain C++ (no CUDA or Torch headers); __host__ __device__ when compiled by nvcc.
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define STUDIO_HD __host__ __device__ __forceinline__
#else
#define STUDIO_HD inline
#endif

namespace studio::train {

/// Most feature levels one call can take (rfdetr uses 1 or 2; Deformable DETR 4).
constexpr int kMsdaMaxLevels = 16;

/// The sizes of one deformable-attention call. Trivially copyable: passed to kernels by value.
struct MsdaGeometry {
    int64_t batch = 0, valueLength = 0, heads = 0, channels = 0, queries = 0, levels = 0, points = 0;
    int32_t height[kMsdaMaxLevels] = {};
    int32_t width[kMsdaMaxLevels] = {};
    int64_t levelStart[kMsdaMaxLevels] = {};  // first row of each level in value's valueLength axis

    /// Threads of the channel decomposition: batch x queries x heads x channels.
    STUDIO_HD int64_t channelItems() const { return batch * queries * heads * channels; }
    /// Samples per (batch, query, head): levels x points.
    STUDIO_HD int64_t samplesPerHead() const { return levels * points; }
};

/// Bilinear taps of one sampling location: up to four corners (nw, ne, sw, se) inside the level.
template <typename Acc>
struct MsdaTaps {
    int64_t index[4];  // y * width + x of each corner within the level; -1 when outside (zeros padding)
    Acc weight[4];     // bilinear weights (1-fx)(1-fy), fx(1-fy), (1-fx)fy, fx fy
    Acc fx, fy;        // fractional parts of the pixel coordinates
};

STUDIO_HD float msdaFloor(float v) { return floorf(v); }
STUDIO_HD double msdaFloor(double v) { return floor(v); }

/// Taps of normalised location (x, y) on a height x width level. False when no corner is inside
/// (then the sample and every gradient are zero) and for NaN or infinite locations (the callers turn
/// NaN into NaN outputs and gradients, so a diverged model shows as NaN, not as silent zeros).
template <typename Acc>
STUDIO_HD bool msdaBilinearTaps(Acc locX, Acc locY, int32_t height, int32_t width, MsdaTaps<Acc>& t) {
    // grid = 2 loc - 1, then grid_sample's unnormalisation ((grid + 1) * size - 1) / 2 = loc * size - 0.5,
    // in the reference's order of operations so both round alike (the bilinear gradient jumps at whole
    // pixel coordinates, where a last-bit difference would show).
    const Acc one = static_cast<Acc>(1), two = static_cast<Acc>(2);
    const Acc x = ((locX * two - one + one) * static_cast<Acc>(width) - one) / two;
    const Acc y = ((locY * two - one + one) * static_cast<Acc>(height) - one) / two;
    // A corner at -1 or at `width` is padding; x in [-1, width) keeps at least one column inside.
    if (!(x >= static_cast<Acc>(-1) && y >= static_cast<Acc>(-1) && x < static_cast<Acc>(width) &&
          y < static_cast<Acc>(height)))
        return false;
    const Acc xf = msdaFloor(x), yf = msdaFloor(y);
    const int32_t x0 = static_cast<int32_t>(xf), y0 = static_cast<int32_t>(yf);
    t.fx = x - xf;
    t.fy = y - yf;
    t.weight[0] = (one - t.fx) * (one - t.fy);
    t.weight[1] = t.fx * (one - t.fy);
    t.weight[2] = (one - t.fx) * t.fy;
    t.weight[3] = t.fx * t.fy;
    const bool x0In = x0 >= 0, x1In = x0 + 1 < width, y0In = y0 >= 0, y1In = y0 + 1 < height;
    const int64_t row0 = static_cast<int64_t>(y0) * width, row1 = row0 + width;
    t.index[0] = (y0In && x0In) ? row0 + x0 : -1;
    t.index[1] = (y0In && x1In) ? row0 + x0 + 1 : -1;
    t.index[2] = (y1In && x0In) ? row1 + x0 : -1;
    t.index[3] = (y1In && x1In) ? row1 + x0 + 1 : -1;
    return true;
}

/// Output of one channel: sum over levels and points of weight x bilinear sample. `loc` and `attn`
/// point at this (batch, query, head)'s samples; `load(row)` returns value[batch, row, head, channel].
template <typename Acc, typename Load>
STUDIO_HD Acc msdaForwardChannel(const MsdaGeometry& g, const Acc* loc, const Acc* attn, Load load) {
    Acc acc = 0;
    for (int64_t l = 0; l < g.levels; ++l) {
        const int64_t start = g.levelStart[l];
        for (int64_t p = 0; p < g.points; ++p) {
            const int64_t k = l * g.points + p;
            MsdaTaps<Acc> t;
            const Acc x = loc[2 * k], y = loc[2 * k + 1];
            if (!msdaBilinearTaps(x, y, g.height[l], g.width[l], t)) {
                if (x != x || y != y) acc += attn[k] * (x + y);  // NaN locations give NaN outputs
                continue;
            }
            Acc s = 0;
            for (int c = 0; c < 4; ++c)
                if (t.index[c] >= 0) s += t.weight[c] * load(start + t.index[c]);
            acc += attn[k] * s;
        }
    }
    return acc;
}

/// Backward of one channel given dL/d(output channel) `gradOut`. For every sample k calls
/// `emit(k, dL/dweight, dL/dx, dL/dy)` with this channel's share, from one program point and also for
/// samples outside the level (zeros), so a CUDA caller may reduce across channels with warp shuffles;
/// `scatter(row, g)` adds g to dL/dvalue[batch, row, head, channel].
template <typename Acc, typename Load, typename Scatter, typename Emit>
STUDIO_HD void msdaBackwardChannel(const MsdaGeometry& g, const Acc* loc, const Acc* attn, Acc gradOut,
                                   Load load, Scatter scatter, Emit emit) {
    const Acc one = static_cast<Acc>(1);
    for (int64_t l = 0; l < g.levels; ++l) {
        const int64_t start = g.levelStart[l];
        for (int64_t p = 0; p < g.points; ++p) {
            const int64_t k = l * g.points + p;
            Acc gradWeight = 0, gradX = 0, gradY = 0;
            MsdaTaps<Acc> t;
            const Acc x = loc[2 * k], y = loc[2 * k + 1];
            if (x != x || y != y) {
                gradWeight = gradX = gradY = x + y;  // NaN in, NaN out (no value position to blame)
            } else if (msdaBilinearTaps(x, y, g.height[l], g.width[l], t)) {
                Acc v[4];
                for (int c = 0; c < 4; ++c) v[c] = t.index[c] >= 0 ? load(start + t.index[c]) : Acc(0);
                const Acc sample =
                    t.weight[0] * v[0] + t.weight[1] * v[1] + t.weight[2] * v[2] + t.weight[3] * v[3];
                // d sample / d pixel x and y; the pixel coordinate is location * side - 0.5.
                const Acc dx = (one - t.fy) * (v[1] - v[0]) + t.fy * (v[3] - v[2]);
                const Acc dy = (one - t.fx) * (v[2] - v[0]) + t.fx * (v[3] - v[1]);
                const Acc gs = gradOut * attn[k];  // dL / d sample
                for (int c = 0; c < 4; ++c)
                    if (t.index[c] >= 0) scatter(start + t.index[c], gs * t.weight[c]);
                gradWeight = gradOut * sample;
                gradX = gs * dx * static_cast<Acc>(g.width[l]);
                gradY = gs * dy * static_cast<Acc>(g.height[l]);
            }
            emit(k, gradWeight, gradX, gradY);
        }
    }
}

}  // namespace studio::train
