#include "base/gpu/nvml.h"

#include <dlfcn.h>

#include <cstring>

namespace studio {

namespace {
using nvmlReturn_t = int;
using nvmlDevice_t = void*;
constexpr nvmlReturn_t kSuccess = 0;

struct NvmlUtilization {
    unsigned int gpu;
    unsigned int memory;
};
struct NvmlMemory {
    unsigned long long total, free, used;
};
struct NvmlMemoryV2 {
    unsigned int version;
    unsigned long long total, reserved, free, used;
};
struct NvmlPciInfo {  // nvmlPciInfo_t (v3 layout)
    char busIdLegacy[16];
    unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
    char busId[32];
};
}  // namespace

struct Nvml::Api {
    nvmlReturn_t (*init)() = nullptr;
    nvmlReturn_t (*shutdown)() = nullptr;
    nvmlReturn_t (*count)(unsigned int*) = nullptr;
    nvmlReturn_t (*handle)(unsigned int, nvmlDevice_t*) = nullptr;
    nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned int) = nullptr;
    nvmlReturn_t (*uuid)(nvmlDevice_t, char*, unsigned int) = nullptr;
    nvmlReturn_t (*pci)(nvmlDevice_t, NvmlPciInfo*) = nullptr;
    nvmlReturn_t (*memory)(nvmlDevice_t, NvmlMemory*) = nullptr;
    nvmlReturn_t (*memoryV2)(nvmlDevice_t, NvmlMemoryV2*) = nullptr;
    nvmlReturn_t (*util)(nvmlDevice_t, NvmlUtilization*) = nullptr;
    nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned int*) = nullptr;
    nvmlReturn_t (*power)(nvmlDevice_t, unsigned int*) = nullptr;
    nvmlReturn_t (*powerLimit)(nvmlDevice_t, unsigned int*) = nullptr;
    nvmlReturn_t (*driver)(char*, unsigned int) = nullptr;
};

unsigned int Nvml::memoryV2Version() { return static_cast<unsigned int>(sizeof(NvmlMemoryV2)) | (2u << 24); }

Nvml& Nvml::instance() {
    static Nvml* nvml = [] {
        void* lib = nullptr;
        std::string err;
        for (const char* name : {"libnvidia-ml.so.1", "libnvidia-ml.so"}) {
            lib = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
            if (lib) break;
            if (err.empty()) {
                const char* e = ::dlerror();
                err = e ? e : "libnvidia-ml.so.1 not found";
            }
        }
        // Never dlclose: NVML keeps threads and state (as NCCL's nvmlwrap does).
        if (!lib) return new Nvml([](const char*) -> void* { return nullptr; }, err);
        return new Nvml([lib](const char* sym) { return ::dlsym(lib, sym); });
    }();
    return *nvml;
}

Nvml::Nvml(SymbolResolver resolver, std::string loadError) : m_api(std::make_unique<Api>()) {
    if (!loadError.empty()) {
        m_error = "NVML unavailable: " + loadError;
        return;
    }
    auto pick = [&](auto& fn, std::initializer_list<const char*> names) {
        for (const char* n : names) {
            if (void* p = resolver(n)) {
                fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
                return;
            }
        }
    };
    Api& a = *m_api;
    pick(a.init, {"nvmlInit_v2", "nvmlInit"});
    pick(a.shutdown, {"nvmlShutdown"});
    pick(a.count, {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"});
    pick(a.handle, {"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"});
    pick(a.name, {"nvmlDeviceGetName"});
    pick(a.uuid, {"nvmlDeviceGetUUID"});
    pick(a.pci, {"nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetPciInfo_v2"});
    pick(a.memory, {"nvmlDeviceGetMemoryInfo"});
    pick(a.memoryV2, {"nvmlDeviceGetMemoryInfo_v2"});
    pick(a.util, {"nvmlDeviceGetUtilizationRates"});
    pick(a.temperature, {"nvmlDeviceGetTemperature"});
    pick(a.power, {"nvmlDeviceGetPowerUsage"});
    pick(a.powerLimit, {"nvmlDeviceGetEnforcedPowerLimit"});
    pick(a.driver, {"nvmlSystemGetDriverVersion"});
    if (!a.init || !a.count || !a.handle) {
        m_error = "NVML unavailable: the library lacks nvmlInit/nvmlDeviceGetCount/nvmlDeviceGetHandleByIndex";
        return;
    }
    const nvmlReturn_t rc = a.init();
    if (rc != kSuccess) {
        m_error = "NVML unavailable: nvmlInit failed with code " + std::to_string(rc) +
                  " (is the NVIDIA driver loaded? try nvidia-smi)";
        return;
    }
    m_available = true;
}

Nvml::~Nvml() = default;  // deliberately no nvmlShutdown/dlclose: the instance lives until exit

int Nvml::deviceCount() {
    if (!m_available) return 0;
    std::lock_guard<std::mutex> lock(m_mutex);
    unsigned int n = 0;
    if (m_api->count(&n) != kSuccess) return 0;
    return static_cast<int>(n);
}

std::optional<GpuInfo> Nvml::device(int index) {
    if (!m_available || index < 0) return std::nullopt;
    std::lock_guard<std::mutex> lock(m_mutex);
    const Api& a = *m_api;
    nvmlDevice_t dev = nullptr;
    if (a.handle(static_cast<unsigned int>(index), &dev) != kSuccess) return std::nullopt;
    GpuInfo g;
    g.index = index;
    char buf[96] = {0};
    if (a.name && a.name(dev, buf, sizeof(buf)) == kSuccess) g.name = buf;
    std::memset(buf, 0, sizeof(buf));
    if (a.uuid && a.uuid(dev, buf, sizeof(buf)) == kSuccess) g.uuid = buf;
    NvmlPciInfo pci{};
    if (a.pci && a.pci(dev, &pci) == kSuccess) g.pciBusId = pci.busId;
    bool memDone = false;
    if (a.memoryV2) {
        NvmlMemoryV2 m{};
        m.version = memoryV2Version();
        if (a.memoryV2(dev, &m) == kSuccess) {
            g.memTotalBytes = m.total;
            g.memUsedBytes = m.used;
            memDone = true;
        }
    }
    if (!memDone && a.memory) {
        NvmlMemory m{};
        if (a.memory(dev, &m) == kSuccess) {
            g.memTotalBytes = m.total;
            g.memUsedBytes = m.used;
        }
    }
    NvmlUtilization u{};
    if (a.util && a.util(dev, &u) == kSuccess) {
        g.utilPercent = static_cast<int>(u.gpu);
        g.memUtilPercent = static_cast<int>(u.memory);
    }
    unsigned int v = 0;
    if (a.temperature && a.temperature(dev, 0, &v) == kSuccess) g.temperatureC = static_cast<int>(v);
    if (a.power && a.power(dev, &v) == kSuccess) g.powerW = v / 1000.0;  // milliwatts
    if (a.powerLimit && a.powerLimit(dev, &v) == kSuccess) g.powerLimitW = v / 1000.0;
    return g;
}

std::vector<GpuInfo> Nvml::devices() {
    std::vector<GpuInfo> out;
    const int n = deviceCount();
    for (int i = 0; i < n; ++i) {
        if (auto g = device(i)) out.push_back(*g);
    }
    return out;
}

std::string Nvml::driverVersion() {
    if (!m_available || !m_api->driver) return {};
    std::lock_guard<std::mutex> lock(m_mutex);
    char buf[96] = {0};
    if (m_api->driver(buf, sizeof(buf)) != kSuccess) return {};
    return buf;
}

}  // namespace studio
