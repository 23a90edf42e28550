#pragma once
// Recognising an out-of-memory failure among the exceptions a training step throws, and the memory facts of
// the device it happened on (for the "oom" error event, base/run/oom_advice.h).
#include <cstdint>
#include <exception>
#include <optional>
#include <string>

#include <c10/core/Device.h>

namespace studio::train {

/// True for c10::OutOfMemoryError (LibTorch 2.x CUDA), a c10::Error whose message says "out of memory"
/// (LibTorch 1.13 CUDA) and std::bad_alloc (host memory). Any thread.
bool isOutOfMemory(const std::exception& e);

/// The first line of an exception message (c10::Error appends a C++ backtrace). Any thread.
std::string firstLine(const std::string& what);

struct DeviceMemoryFacts {
    std::string device;                          // "cuda:2" or "cpu"
    std::optional<std::uint64_t> usedBytes;      // in use on the whole device (NVML) / host (MemTotal - MemAvailable)
    std::optional<std::uint64_t> totalBytes;
};

/// Memory in use and total of `device`: NVML for CUDA (mapping the index through CUDA_VISIBLE_DEVICES),
/// /proc/meminfo for the host; unknown values stay empty. Any thread.
DeviceMemoryFacts deviceMemoryFacts(const c10::Device& device);

}  // namespace studio::train
