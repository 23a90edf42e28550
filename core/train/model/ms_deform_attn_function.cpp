#include "train/model/ms_deform_attn_function.h"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include "train/model/cuda/ms_deform_attn_host.h"
#include "train/model/cuda/ms_deform_attn_kernel.h"

#ifdef STUDIO_CUDA_KERNELS
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

namespace studio::train {

namespace {

MsdaGeometry geometryOf(const at::Tensor& value, const SpatialShapes& shapes, const at::Tensor& locations) {
    if (shapes.size() > static_cast<size_t>(kMsdaMaxLevels))
        throw std::invalid_argument("MSDeformAttn: the fused op takes at most " + std::to_string(kMsdaMaxLevels) +
                                    " feature levels, got " + std::to_string(shapes.size()) +
                                    " (set STUDIO_MODEL_KERNELS=reference)");
    MsdaGeometry g;
    g.batch = value.size(0);
    g.valueLength = value.size(1);
    g.heads = value.size(2);
    g.channels = value.size(3);
    g.queries = locations.size(1);
    g.levels = locations.size(3);
    g.points = locations.size(4);
    int64_t start = 0;
    for (size_t l = 0; l < shapes.size(); ++l) {
        const auto [h, w] = shapes[l];
        if (h > std::numeric_limits<int32_t>::max() || w > std::numeric_limits<int32_t>::max())
            throw std::invalid_argument("MSDeformAttn: feature level " + std::to_string(l) + " is too large");
        g.height[l] = static_cast<int32_t>(h);
        g.width[l] = static_cast<int32_t>(w);
        g.levelStart[l] = start;
        start += h * w;
    }
    return g;
}

// The accumulation type, also the type of locations, weights and the raw gradients.
at::ScalarType accumulationType(at::ScalarType valueType) {
    return valueType == at::kDouble ? at::kDouble : at::kFloat;
}

// The value type the device computes in: CUDA keeps float32/float64/bfloat16/float16; the host twin
// computes in its accumulation type.
at::ScalarType valueComputeType(const at::Tensor& value) {
    const at::ScalarType t = value.scalar_type();
    if (!value.is_cuda()) return accumulationType(t);
    const bool kernelType = t == at::kFloat || t == at::kDouble || t == at::kBFloat16 || t == at::kHalf;
    return kernelType ? t : at::kFloat;
}

template <typename F>
void forEachUnitRange(const MsdaGeometry& g, F&& f) {
    at::parallel_for(0, msdaHostUnits(g), 1, [&](int64_t begin, int64_t end) { f(begin, end); });
}

#ifdef STUDIO_CUDA_KERNELS
MsdaValueType kernelType(at::ScalarType t) {
    switch (t) {
        case at::kDouble: return MsdaValueType::Float64;
        case at::kBFloat16: return MsdaValueType::BFloat16;
        case at::kHalf: return MsdaValueType::Float16;
        default: return MsdaValueType::Float32;
    }
}

CUstream_st* currentStream(const at::Tensor& t) {
    return c10::cuda::getCurrentCUDAStream(t.device().index()).stream();
}

void throwIfFailed(int code, const char* what) {
    if (code == 0) return;
    std::string message = std::string("MSDeformAttn CUDA ") + what + " kernel failed: " + msdaErrorString(code);
    if (code == cudaErrorNoKernelImageForDevice || code == cudaErrorInvalidDeviceFunction)
        message += std::string(" (this GPU's architecture is not among the kernels' ") + msdaCompiledArchitectures() +
                   "; rebuild with -DCMAKE_CUDA_ARCHITECTURES=<its compute capability, e.g. 89> or set "
                   "STUDIO_MODEL_KERNELS=reference)";
    throw std::runtime_error(message);
}
#endif

[[noreturn]] void throwNotCompiled() {
    throw std::invalid_argument(
        "MSDeformAttn: this build has no CUDA kernels for deformable attention (LibTorch without CUDA, "
        "STUDIO_WITH_CUDA=OFF or no nvcc); set STUDIO_MODEL_KERNELS=reference or auto");
}

}  // namespace

bool msdaCudaKernelsCompiled() {
#ifdef STUDIO_CUDA_KERNELS
    return true;
#else
    return false;
#endif
}

const char* msdaCudaArchitectures() {
#ifdef STUDIO_CUDA_KERNELS
    return msdaCompiledArchitectures();
#else
    return "not compiled";
#endif
}

at::Tensor msdaFusedForward(const at::Tensor& value, const SpatialShapes& shapes, const at::Tensor& locations,
                            const at::Tensor& weights) {
    checkMsDeformAttnInputs(value, shapes, locations, weights);
    const MsdaGeometry g = geometryOf(value, shapes, locations);
    const at::ScalarType vt = valueComputeType(value), acc = accumulationType(vt);
    const at::Tensor v = value.to(vt).contiguous();
    const at::Tensor l = locations.to(acc).contiguous(), w = weights.to(acc).contiguous();
    at::Tensor out = at::empty({g.batch, g.queries, g.heads, g.channels}, v.options());
    if (value.is_cuda()) {
#ifdef STUDIO_CUDA_KERNELS
        const c10::cuda::CUDAGuard guard(value.device());
        throwIfFailed(msdaLaunchForward(g, kernelType(vt), v.data_ptr(), l.data_ptr(), w.data_ptr(), out.data_ptr(),
                                        currentStream(v)),
                      "forward");
#else
        throwNotCompiled();
#endif
    } else if (vt == at::kDouble) {
        forEachUnitRange(g, [&](int64_t b, int64_t e) {
            msdaForwardHost<double>(g, v.data_ptr<double>(), l.data_ptr<double>(), w.data_ptr<double>(),
                                    out.data_ptr<double>(), b, e);
        });
    } else {
        forEachUnitRange(g, [&](int64_t b, int64_t e) {
            msdaForwardHost<float>(g, v.data_ptr<float>(), l.data_ptr<float>(), w.data_ptr<float>(),
                                   out.data_ptr<float>(), b, e);
        });
    }
    return out.view({g.batch, g.queries, g.heads * g.channels}).to(value.scalar_type());
}

MsdaGradients msdaFusedBackward(const at::Tensor& gradOutput, const at::Tensor& value, const SpatialShapes& shapes,
                                const at::Tensor& locations, const at::Tensor& weights) {
    checkMsDeformAttnInputs(value, shapes, locations, weights);
    const MsdaGeometry g = geometryOf(value, shapes, locations);
    if (gradOutput.numel() != g.channelItems() || gradOutput.device() != value.device())
        throw std::invalid_argument("MSDeformAttn: the output gradient does not match the output [B, Lq, M*D]");
    const at::ScalarType vt = valueComputeType(value), acc = accumulationType(vt);
    const at::Tensor go = gradOutput.to(vt).contiguous(), v = value.to(vt).contiguous();
    const at::Tensor l = locations.to(acc).contiguous(), w = weights.to(acc).contiguous();
    const auto accOptions = l.options();
    at::Tensor gv = at::zeros(value.sizes(), accOptions), gl = at::zeros(locations.sizes(), accOptions),
               gw = at::zeros(weights.sizes(), accOptions);
    if (value.is_cuda()) {
#ifdef STUDIO_CUDA_KERNELS
        const c10::cuda::CUDAGuard guard(value.device());
        throwIfFailed(msdaLaunchBackward(g, kernelType(vt), go.data_ptr(), v.data_ptr(), l.data_ptr(), w.data_ptr(),
                                         gv.data_ptr(), gl.data_ptr(), gw.data_ptr(), currentStream(v)),
                      "backward");
#else
        throwNotCompiled();
#endif
    } else if (vt == at::kDouble) {
        forEachUnitRange(g, [&](int64_t b, int64_t e) {
            msdaBackwardHost<double>(g, go.data_ptr<double>(), v.data_ptr<double>(), l.data_ptr<double>(),
                                     w.data_ptr<double>(), gv.data_ptr<double>(), gl.data_ptr<double>(),
                                     gw.data_ptr<double>(), b, e);
        });
    } else {
        forEachUnitRange(g, [&](int64_t b, int64_t e) {
            msdaBackwardHost<float>(g, go.data_ptr<float>(), v.data_ptr<float>(), l.data_ptr<float>(),
                                    w.data_ptr<float>(), gv.data_ptr<float>(), gl.data_ptr<float>(),
                                    gw.data_ptr<float>(), b, e);
        });
    }
    return {gv.to(value.scalar_type()), gl.to(locations.scalar_type()), gw.to(weights.scalar_type())};
}

namespace {

// Autograd node of the fused op: saves the three inputs, recomputes nothing in backward but the
// bilinear taps (cheap), returns gradients in the inputs' dtypes.
struct MsdaFunction : public torch::autograd::Function<MsdaFunction> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& value,
                              const at::Tensor& locations, const at::Tensor& weights,
                              const std::vector<int64_t>& flatShapes) {
        ctx->save_for_backward({value, locations, weights});
        ctx->saved_data["shapes"] = flatShapes;
        return msdaFusedForward(value, unflatten(flatShapes), locations, weights);
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        const torch::autograd::variable_list saved = ctx->get_saved_variables();
        const SpatialShapes shapes = unflatten(ctx->saved_data["shapes"].toIntVector());
        if (!grads.at(0).defined()) return {at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
        MsdaGradients g = msdaFusedBackward(grads[0], saved[0], shapes, saved[1], saved[2]);
        return {ctx->needs_input_grad(0) ? g.value : at::Tensor(), ctx->needs_input_grad(1) ? g.locations : at::Tensor(),
                ctx->needs_input_grad(2) ? g.weights : at::Tensor(), at::Tensor()};
    }

    static SpatialShapes unflatten(const std::vector<int64_t>& flat) {
        SpatialShapes shapes;
        for (size_t i = 0; i + 1 < flat.size(); i += 2) shapes.emplace_back(flat[i], flat[i + 1]);
        return shapes;
    }
};

}  // namespace

at::Tensor msDeformAttnFused(const at::Tensor& value, const SpatialShapes& shapes, const at::Tensor& locations,
                             const at::Tensor& weights) {
    std::vector<int64_t> flat;
    for (const auto& [h, w] : shapes) {
        flat.push_back(h);
        flat.push_back(w);
    }
    return MsdaFunction::apply(value, locations, weights, flat);
}

}  // namespace studio::train
