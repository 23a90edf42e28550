#pragma once
// NVML through dlopen("libnvidia-ml.so.1") — no build-time CUDA (ARCHITECTURE §7, ecosystem.md B.3).
// Required and optional symbols from a table, versioned names tried first, all calls under one mutex,
// never dlclose'd. Missing driver => available() is false with a reason; nothing throws.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace studio {

struct GpuInfo {
    int index = 0;
    std::string name;
    std::string uuid;
    std::string pciBusId;          // "00000000:1B:00.0"
    std::uint64_t memTotalBytes = 0;
    std::uint64_t memUsedBytes = 0;
    int utilPercent = -1;          // -1 = not supported
    int memUtilPercent = -1;
    int temperatureC = -1;
    double powerW = -1;
    double powerLimitW = -1;
};

/// Resolves a symbol name to a function pointer (dlsym, or a fake table in tests).
using SymbolResolver = std::function<void*(const char* name)>;

class Nvml {
public:
    /// The process-wide instance over the real library (loaded on first use).
    static Nvml& instance();
    /// An instance over `resolver` (tests). `loadError` non-empty simulates a missing library.
    explicit Nvml(SymbolResolver resolver, std::string loadError = {});
    ~Nvml();

    bool available() const { return m_available; }
    /// Why NVML is unavailable ("libnvidia-ml.so.1: cannot open shared object file" ...).
    const std::string& error() const { return m_error; }
    int deviceCount();
    std::vector<GpuInfo> devices();
    std::optional<GpuInfo> device(int index);
    std::string driverVersion();

    /// NVML_STRUCT_VERSION(Memory, 2): sizeof(nvmlMemory_v2_t) | 2 << 24.
    static unsigned int memoryV2Version();

private:
    struct Api;
    std::unique_ptr<Api> m_api;
    std::mutex m_mutex;
    bool m_available = false;
    std::string m_error;
};

}  // namespace studio
