#include "train/model/kernel_path.h"

#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include <torch/version.h>

#include "train/model/ms_deform_attn_function.h"

namespace studio::train {

namespace {

constexpr int kNoOverride = -1;
std::atomic<int> g_override[2] = {kNoOverride, kNoOverride};  // indexed by KernelOp

// The variable's text, read once: the path is a property of the process, like OMP_NUM_THREADS.
const std::optional<std::string>& environmentText() {
    static const std::optional<std::string> text = []() -> std::optional<std::string> {
        const char* v = std::getenv(kKernelPathEnv);
        if (!v || !*v) return std::nullopt;
        return std::string(v);
    }();
    return text;
}

}  // namespace

std::optional<KernelPath> parseKernelPath(const std::string& text) {
    if (text == "auto") return KernelPath::Auto;
    if (text == "fused") return KernelPath::Fused;
    if (text == "reference") return KernelPath::Reference;
    return std::nullopt;
}

const char* kernelPathName(KernelPath path) {
    switch (path) {
        case KernelPath::Auto: return "auto";
        case KernelPath::Fused: return "fused";
        case KernelPath::Reference: return "reference";
    }
    return "auto";
}

KernelPath kernelPath(KernelOp op) {
    const int forced = g_override[static_cast<int>(op)].load(std::memory_order_relaxed);
    if (forced != kNoOverride) return static_cast<KernelPath>(forced);
    const std::optional<std::string>& text = environmentText();
    if (!text) return KernelPath::Auto;
    if (auto p = parseKernelPath(*text)) return *p;
    throw std::invalid_argument(std::string(kKernelPathEnv) + "=" + *text +
                                " is not a kernel path: use auto, fused or reference (or unset it)");
}

void setKernelPath(KernelOp op, std::optional<KernelPath> path) {
    g_override[static_cast<int>(op)].store(path ? static_cast<int>(*path) : kNoOverride, std::memory_order_relaxed);
}

void setKernelPath(std::optional<KernelPath> path) {
    setKernelPath(KernelOp::DeformAttn, path);
    setKernelPath(KernelOp::Attention, path);
}

bool fusedDeformAttnFor(KernelPath path, bool onCuda) {
    switch (path) {
        case KernelPath::Fused: return true;
        case KernelPath::Reference: return false;
        case KernelPath::Auto: return onCuda && msdaCudaKernelsCompiled();
    }
    return false;
}

bool sdpaFor(KernelPath path) {
#if TORCH_VERSION_MAJOR >= 2
    return path != KernelPath::Reference;
#else
    (void)path;
    return false;
#endif
}

std::string describeKernelPaths(bool onCuda) {
    const KernelPath deformPath = kernelPath(KernelOp::DeformAttn);
    std::string deform;
    if (!fusedDeformAttnFor(deformPath, onCuda))
        deform = "grid_sample reference";
    else if (!onCuda)
        deform = "fused op, host twin of the CUDA kernels";
    else if (msdaCudaKernelsCompiled())
        deform = std::string("fused CUDA kernel (") + msdaCudaArchitectures() + ")";
    else
        deform = "fused CUDA kernel requested but not compiled into this build";
    return "deformable attention: " + deform + "; attention: " +
           (sdpaFor(kernelPath(KernelOp::Attention)) ? "scaled_dot_product_attention" : "eager math");
}

}  // namespace studio::train
