#pragma once
// The fused multi-scale deformable attention op: the CUDA kernels (cuda/ms_deform_attn_kernel.h) on CUDA
// tensors, their host twin (cuda/ms_deform_attn_host.h) on CPU tensors, with a LibTorch autograd
// function. Computes the same function as msDeformAttnReference (ms_deform_attn_core.h).
#include <ATen/Tensor.h>

#include "train/model/ms_deform_attn_core.h"

namespace studio::train {

/// Whether this build has the CUDA kernels (LibTorch with CUDA and nvcc at build time).
bool msdaCudaKernelsCompiled();
/// The compute capabilities the kernels were built for ("compute capabilities 900"), or "not compiled".
const char* msdaCudaArchitectures();

/// value [B, Lin, M, D] (float32, float64, bfloat16 or float16), locations [B, Lq, M, L, P, 2],
/// weights [B, Lq, M, L, P] -> [B, Lq, M*D] in value's dtype, accumulated in float32 (float64 for
/// float64), with autograd (gradients for all three tensors, in their dtypes). CUDA tensors run the
/// kernels on the current stream (std::invalid_argument when they are not compiled in); CPU tensors run
/// the host twin on ATen's threads. Throws std::invalid_argument for inconsistent shapes. One thread per call.
at::Tensor msDeformAttnFused(const at::Tensor& value, const SpatialShapes& shapes, const at::Tensor& locations,
                             const at::Tensor& weights);

struct MsdaGradients {
    at::Tensor value, locations, weights;  // in the dtypes of the inputs
};

/// The op's forward without autograd (tests, benchmarks). Same contract as msDeformAttnFused.
at::Tensor msdaFusedForward(const at::Tensor& value, const SpatialShapes& shapes, const at::Tensor& locations,
                            const at::Tensor& weights);
/// The op's backward for dL/doutput `gradOutput` [B, Lq, M*D] without autograd (tests, benchmarks).
MsdaGradients msdaFusedBackward(const at::Tensor& gradOutput, const at::Tensor& value, const SpatialShapes& shapes,
                                const at::Tensor& locations, const at::Tensor& weights);

}  // namespace studio::train
