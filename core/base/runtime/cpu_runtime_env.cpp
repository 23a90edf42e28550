#include "base/runtime/cpu_runtime_env.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

namespace studio {

CpuFeatures detectCpuFeatures() {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    f.avx2 = __builtin_cpu_supports("avx2");
    f.fma = __builtin_cpu_supports("fma");
    f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#endif
    return f;
}

std::string openBlasCoreName() {
    using CoreNameFn = char* (*)();
    auto fn = reinterpret_cast<CoreNameFn>(::dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    if (!fn) return {};
    const char* name = fn();
    return name ? std::string(name) : std::string();
}

std::vector<std::pair<std::string, std::string>> recommendedCpuRuntimeEnv(const EnvMap& env, const CpuFeatures& cpu,
                                                                          const std::string& openBlasCore) {
    std::vector<std::pair<std::string, std::string>> out;
    if (auto keep = envValue(env, "STUDIO_CPU_ENV"); keep && *keep == "keep") return out;
    // Cores whose kernels use AVX2/FMA or better: nothing to gain from overriding these.
    static const std::set<std::string> kModern = {"Haswell",     "SkylakeX", "Cooperlake", "SapphireRapids",
                                                   "Zen",         "Zen2",     "Zen3",       "Zen4",
                                                   "Skylake",     "Broadwell", "Excavator", "CooperLake"};
    if (!openBlasCore.empty() && !envValue(env, "OPENBLAS_CORETYPE") && !kModern.count(openBlasCore)) {
        if (cpu.avx512)
            out.emplace_back("OPENBLAS_CORETYPE", "SKYLAKEX");
        else if (cpu.avx2 && cpu.fma)
            out.emplace_back("OPENBLAS_CORETYPE", "HASWELL");
    }
    if (!envValue(env, "OMP_WAIT_POLICY") && !envValue(env, "GOMP_SPINCOUNT"))
        out.emplace_back("OMP_WAIT_POLICY", "PASSIVE");
    return out;
}

void setOpenBlasThreads(int threads) {
    using SetFn = void (*)(int);
    if (auto fn = reinterpret_cast<SetFn>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(threads);
}

std::string describeCpuRuntime() {
    const EnvMap env = environmentSnapshot();
    const std::string core = openBlasCoreName();
    std::string line = "CPU math: OpenBLAS core " + (core.empty() ? std::string("(no OpenBLAS)") : core);
    line += ", OMP_WAIT_POLICY=" + envValue(env, "OMP_WAIT_POLICY").value_or("(unset: threads spin)");
    EnvMap without = env;
    without.erase("OPENBLAS_CORETYPE");
    const auto better = recommendedCpuRuntimeEnv(without, detectCpuFeatures(), core);
    for (const auto& [name, value] : better)
        if (name == "OPENBLAS_CORETYPE" && !envValue(env, "OPENBLAS_CORETYPE"))
            line += "; slow generic kernels: set OPENBLAS_CORETYPE=" + value + " (~5x faster matrix products)";
    return line;
}

void applyCpuRuntimeEnv(char** argv) {
    constexpr const char* kApplied = "STUDIO_CPU_ENV_APPLIED";
    if (std::getenv(kApplied)) return;  // this is the re-executed process: never loop
    const auto vars = recommendedCpuRuntimeEnv(environmentSnapshot(), detectCpuFeatures(), openBlasCoreName());
    if (vars.empty()) return;
    for (const auto& [name, value] : vars) ::setenv(name.c_str(), value.c_str(), 0);
    ::setenv(kApplied, "1", 1);
    ::execv("/proc/self/exe", argv);
    // exec failed (no /proc?): go on with the libraries as they are; only speed is lost.
}

}  // namespace studio
