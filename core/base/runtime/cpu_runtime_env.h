#pragma once
// CPU math-library settings that must be in the environment before the process starts (OpenBLAS and
// libgomp read them when they are loaded), chosen for the machine the process runs on:
// - OPENBLAS_CORETYPE: OpenBLAS 0.3.21 (Debian 12) does not recognise CPUs that a hypervisor reports
//   with a generic model name ("Intel(R) Xeon(R) Processor") and falls back to its Prescott (SSE3)
//   kernels, ~5x slower for sgemm than its SkylakeX kernels on an AVX-512 CPU. When the CPU has AVX-512
//   (or AVX2 + FMA) and OpenBLAS reports an older core, ask for SkylakeX (or Haswell).
// - OMP_WAIT_POLICY=PASSIVE: libgomp's idle threads otherwise spin after every parallel region, taking
//   the cores OpenBLAS's own threads need (half of a CPU training step on a 2-core machine went to that
//   spinning) and starving other processes (data workers, other ranks, the GUI).
// A variable the user set is never changed. STUDIO_CPU_ENV=keep turns the whole thing off.
#include <string>
#include <utility>
#include <vector>

#include "base/util/env.h"

namespace studio {

/// What the CPU offers, as far as the math libraries care.
struct CpuFeatures {
    bool avx2 = false, fma = false;
    bool avx512 = false;  // avx512f + dq + bw + vl: what OpenBLAS's SkylakeX kernels use
};
/// Features of the CPU this runs on (cpuid).
CpuFeatures detectCpuFeatures();
/// OpenBLAS's idea of the core (openblas_get_corename(), e.g. "Prescott", "SkylakeX"), or "" when the
/// process has no OpenBLAS (another BLAS, or not loaded).
std::string openBlasCoreName();

/// The variables to add to `env` (those not already set) for a CPU with `cpu` on which OpenBLAS
/// reports `openBlasCore` ("" = no OpenBLAS). Empty when nothing needs changing. Pure.
std::vector<std::pair<std::string, std::string>> recommendedCpuRuntimeEnv(const EnvMap& env, const CpuFeatures& cpu,
                                                                          const std::string& openBlasCore);

/// Threads OpenBLAS uses for one call (openblas_set_num_threads); no-op without OpenBLAS. Use 1 when
/// several threads of the process call BLAS at once (OpenBLAS serialises callers of its thread pool).
void setOpenBlasThreads(int threads);

/// One line for the log: OpenBLAS core, OMP_WAIT_POLICY, and a hint when the settings are slow ones.
std::string describeCpuRuntime();

/// Called first thing in main(): when recommendedCpuRuntimeEnv() asks for variables, sets them and
/// re-executes the program (/proc/self/exe, same arguments, same pid), so the libraries see them at
/// load time. Returns normally when nothing is needed, after the re-exec, or when exec fails.
void applyCpuRuntimeEnv(char** argv);

}  // namespace studio
