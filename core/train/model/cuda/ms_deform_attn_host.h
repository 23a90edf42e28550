#pragma once
// Host twin of the CUDA kernels: the same per-channel arithmetic (ms_deform_attn_math.h) run serially
// on the CPU over (batch, head) units. It lets the CPU tests check the math, layouts and reductions the
// GPU runs, and serves the fused path on CPU tensors (STUDIO_MODEL_KERNELS=fused). Layouts and buffer
// contracts as in ms_deform_attn_kernel.h; T is float or double (also the accumulation type).
#include <cstdint>

#include "train/model/cuda/ms_deform_attn_math.h"

namespace studio::train {

/// Work units of the host twin: batch x heads. Units touch disjoint outputs, so callers may run
/// disjoint unit ranges on different threads.
inline int64_t msdaHostUnits(const MsdaGeometry& g) { return g.batch * g.heads; }

/// Forward for units [unitBegin, unitEnd) (unit = batch * heads + head). Any thread.
template <typename T>
void msdaForwardHost(const MsdaGeometry& g, const T* value, const T* locations, const T* weights, T* output,
                     int64_t unitBegin, int64_t unitEnd);

/// Backward for units [unitBegin, unitEnd): adds into the zero-filled `gradValue`, writes `gradLocations`
/// and `gradWeights`. Any thread.
template <typename T>
void msdaBackwardHost(const MsdaGeometry& g, const T* gradOutput, const T* value, const T* locations,
                      const T* weights, T* gradValue, T* gradLocations, T* gradWeights, int64_t unitBegin,
                      int64_t unitEnd);

extern template void msdaForwardHost<float>(const MsdaGeometry&, const float*, const float*, const float*, float*,
                                            int64_t, int64_t);
extern template void msdaForwardHost<double>(const MsdaGeometry&, const double*, const double*, const double*,
                                             double*, int64_t, int64_t);
extern template void msdaBackwardHost<float>(const MsdaGeometry&, const float*, const float*, const float*,
                                             const float*, float*, float*, float*, int64_t, int64_t);
extern template void msdaBackwardHost<double>(const MsdaGeometry&, const double*, const double*, const double*,
                                              const double*, double*, double*, double*, int64_t, int64_t);

}  // namespace studio::train
