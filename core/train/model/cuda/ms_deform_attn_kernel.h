#pragma once
// Launch API of the fused multi-scale deformable attention CUDA kernels (ms_deform_attn_kernel.cu):
// raw device pointers, sizes and a stream, no Torch and no CUDA headers, so it compiles everywhere and
// the .cu file builds with nvcc alone. Layouts: ms_deform_attn_math.h. The LibTorch glue is
// ms_deform_attn_function.cpp. Only linked when studio_train is built with CUDA kernels
// (STUDIO_CUDA_KERNELS).
#include "train/model/cuda/ms_deform_attn_math.h"

struct CUstream_st;  // cudaStream_t is CUstream_st*

namespace studio::train {

/// Element type of value, output and the output gradient. Locations, weights and every gradient but
/// the value's are float32 (float64 when the value is float64); accumulation is float32 (float64).
enum class MsdaValueType { Float32, Float64, BFloat16, Float16 };

/// output[b, q, m, c] (value's type) = sum over levels, points of weight x bilinear sample.
/// Asynchronous on `stream`; returns 0 or the cudaError_t of the launch. Any host thread.
int msdaLaunchForward(const MsdaGeometry& g, MsdaValueType type, const void* value, const void* locations,
                      const void* weights, void* output, CUstream_st* stream);

/// Gradients for dL/doutput `gradOutput` (value's type). `gradValue` (accumulation type, [value's shape])
/// must be zero-filled: it is accumulated with atomics. `gradLocations` and `gradWeights` (accumulation
/// type) must be zero-filled too (channel counts that are not a power of two <= 32 accumulate with
/// atomics). Asynchronous on `stream`; returns 0 or the cudaError_t of the launch. Any host thread.
int msdaLaunchBackward(const MsdaGeometry& g, MsdaValueType type, const void* gradOutput, const void* value,
                       const void* locations, const void* weights, void* gradValue, void* gradLocations,
                       void* gradWeights, CUstream_st* stream);

/// cudaGetErrorString of a code returned above.
const char* msdaErrorString(int code);

/// Architectures the kernels were compiled for (e.g. "sm_90"), for logs and reports.
const char* msdaCompiledArchitectures();

}  // namespace studio::train
