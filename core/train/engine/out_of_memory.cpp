#include "train/engine/out_of_memory.h"

#include <c10/util/Exception.h>

#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>

#include "base/gpu/gpu_identity.h"
#include "base/gpu/nvml.h"

namespace studio::train {

bool isOutOfMemory(const std::exception& e) {
    if (dynamic_cast<const std::bad_alloc*>(&e)) return true;
    if (dynamic_cast<const c10::OutOfMemoryError*>(&e)) return true;
    if (const auto* c = dynamic_cast<const c10::Error*>(&e))
        return c->what_without_backtrace() && std::string(c->what_without_backtrace()).find("out of memory") !=
                                                  std::string::npos;
    return false;
}

std::string firstLine(const std::string& what) {
    std::string msg = what;
    if (const auto pos = msg.find("\nException raised from"); pos != std::string::npos) msg.resize(pos);
    if (const auto pos = msg.find('\n'); pos != std::string::npos) msg.resize(pos);
    return msg;
}

namespace {

std::optional<std::uint64_t> meminfoBytes(const std::string& key) {
    std::ifstream in("/proc/meminfo");
    std::string name;
    std::uint64_t kb = 0;
    std::string unit;
    while (in >> name >> kb >> unit) {
        if (name == key + ":") return kb * 1024;
    }
    return std::nullopt;
}

}  // namespace

DeviceMemoryFacts deviceMemoryFacts(const c10::Device& device) {
    DeviceMemoryFacts f;
    if (device.is_cuda()) {
        const int index = device.has_index() ? device.index() : 0;
        f.device = "cuda:" + std::to_string(index);
        const int physical = physicalGpuIndex(index);
        Nvml& nvml = Nvml::instance();
        if (physical >= 0 && nvml.available()) {
            if (auto gpu = nvml.device(physical); gpu && gpu->memTotalBytes > 0) {
                f.usedBytes = gpu->memUsedBytes;
                f.totalBytes = gpu->memTotalBytes;
            }
        }
        return f;
    }
    f.device = "cpu";
    const auto total = meminfoBytes("MemTotal");
    const auto available = meminfoBytes("MemAvailable");
    if (total) f.totalBytes = total;
    if (total && available && *available <= *total) f.usedBytes = *total - *available;
    return f;
}

}  // namespace studio::train
