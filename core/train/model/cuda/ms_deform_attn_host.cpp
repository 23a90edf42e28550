#include "train/model/cuda/ms_deform_attn_host.h"

#include <algorithm>
#include <vector>

namespace studio::train {

namespace {

// Pointer offsets of one (batch, query, head): its value column, its samples, its output channels.
struct HeadView {
    int64_t valueBase, head;
    HeadView(const MsdaGeometry& g, int64_t b, int64_t q, int64_t m)
        : valueBase((b * g.valueLength * g.heads + m) * g.channels), head((b * g.queries + q) * g.heads + m) {}
};

}  // namespace

template <typename T>
void msdaForwardHost(const MsdaGeometry& g, const T* value, const T* locations, const T* weights, T* output,
                     int64_t unitBegin, int64_t unitEnd) {
    const int64_t samples = g.samplesPerHead(), rowStride = g.heads * g.channels;
    for (int64_t unit = unitBegin; unit < unitEnd; ++unit) {
        const int64_t b = unit / g.heads, m = unit % g.heads;
        for (int64_t q = 0; q < g.queries; ++q) {
            const HeadView h(g, b, q, m);
            for (int64_t c = 0; c < g.channels; ++c) {
                const T* column = value + h.valueBase + c;
                auto load = [&](int64_t row) { return column[row * rowStride]; };
                output[h.head * g.channels + c] =
                    msdaForwardChannel<T>(g, locations + h.head * samples * 2, weights + h.head * samples, load);
            }
        }
    }
}

template <typename T>
void msdaBackwardHost(const MsdaGeometry& g, const T* gradOutput, const T* value, const T* locations,
                      const T* weights, T* gradValue, T* gradLocations, T* gradWeights, int64_t unitBegin,
                      int64_t unitEnd) {
    const int64_t samples = g.samplesPerHead(), rowStride = g.heads * g.channels;
    std::vector<T> sums(static_cast<size_t>(samples * 3));
    for (int64_t unit = unitBegin; unit < unitEnd; ++unit) {
        const int64_t b = unit / g.heads, m = unit % g.heads;
        for (int64_t q = 0; q < g.queries; ++q) {
            const HeadView h(g, b, q, m);
            std::fill(sums.begin(), sums.end(), T(0));
            // The kernel's shuffle reduction over channels, sequentially.
            auto emit = [&](int64_t k, T gw, T gx, T gy) {
                sums[static_cast<size_t>(3 * k)] += gw;
                sums[static_cast<size_t>(3 * k + 1)] += gx;
                sums[static_cast<size_t>(3 * k + 2)] += gy;
            };
            for (int64_t c = 0; c < g.channels; ++c) {
                const int64_t column = h.valueBase + c;
                auto load = [&](int64_t row) { return value[column + row * rowStride]; };
                auto scatter = [&](int64_t row, T v) { gradValue[column + row * rowStride] += v; };
                msdaBackwardChannel<T>(g, locations + h.head * samples * 2, weights + h.head * samples,
                                       gradOutput[h.head * g.channels + c], load, scatter, emit);
            }
            for (int64_t k = 0; k < samples; ++k) {
                const int64_t s = h.head * samples + k;
                gradWeights[s] = sums[static_cast<size_t>(3 * k)];
                gradLocations[2 * s] = sums[static_cast<size_t>(3 * k + 1)];
                gradLocations[2 * s + 1] = sums[static_cast<size_t>(3 * k + 2)];
            }
        }
    }
}

template void msdaForwardHost<float>(const MsdaGeometry&, const float*, const float*, const float*, float*, int64_t,
                                     int64_t);
template void msdaForwardHost<double>(const MsdaGeometry&, const double*, const double*, const double*, double*,
                                      int64_t, int64_t);
template void msdaBackwardHost<float>(const MsdaGeometry&, const float*, const float*, const float*, const float*,
                                      float*, float*, float*, int64_t, int64_t);
template void msdaBackwardHost<double>(const MsdaGeometry&, const double*, const double*, const double*,
                                       const double*, double*, double*, double*, int64_t, int64_t);

}  // namespace studio::train
