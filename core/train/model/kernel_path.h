#pragma once
// Which implementation the model's hot ops run: the fast path (the fused deformable-attention op, i.e.
// the CUDA kernels on GPUs; SDPA on LibTorch >= 2) or the reference tensor ops that follow rfdetr op by
// op (grid_sample, eager attention math), kept for CPUs and for parity checks on GPUs.
// Chosen by STUDIO_MODEL_KERNELS=auto|fused|reference (unset = auto) or by setKernelPath (tests, benches).
#include <optional>
#include <string>

namespace studio::train {

enum class KernelPath {
    Auto,       // fused deformable attention on CUDA (when compiled in), reference on CPU; SDPA when available
    Fused,      // fused everywhere (CPU runs the kernels' host twin: slow, for checks); SDPA when available
    Reference,  // grid_sample deformable attention and eager attention math on every device
};

/// The environment variable that selects the path.
constexpr const char* kKernelPathEnv = "STUDIO_MODEL_KERNELS";

/// "auto" | "fused" | "reference" (case-sensitive) -> path; nullopt for anything else.
std::optional<KernelPath> parseKernelPath(const std::string& text);
/// The lower-case name parseKernelPath accepts.
const char* kernelPathName(KernelPath path);

/// The ops the path applies to; tests pin one while switching the other.
enum class KernelOp { DeformAttn, Attention };

/// The path in force for `op`: setKernelPath's override, else STUDIO_MODEL_KERNELS (read at the first
/// call). Throws std::invalid_argument naming the variable and the accepted values for a bad value. Any thread.
KernelPath kernelPath(KernelOp op);
/// Overrides the environment for every op, for the whole process (nullopt: back to the environment).
/// Any thread; forwards already running keep the path they started with.
void setKernelPath(std::optional<KernelPath> path);
/// Overrides the environment for one op (nullopt: back to the environment). Any thread.
void setKernelPath(KernelOp op, std::optional<KernelPath> path);

/// Whether deformable attention on a tensor (on CUDA or not) takes the fused op under `path`.
bool fusedDeformAttnFor(KernelPath path, bool onCuda);
/// Whether multi-head attention uses at::scaled_dot_product_attention (LibTorch >= 2, path not Reference).
bool sdpaFor(KernelPath path);

/// One line for logs on the paths in force for tensors on CUDA or not, e.g. "deformable attention: fused
/// CUDA kernel (compute capabilities 900); attention: scaled_dot_product_attention". Throws as kernelPath.
std::string describeKernelPaths(bool onCuda);

}  // namespace studio::train
