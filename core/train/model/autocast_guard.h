#pragma once
// RAII mixed-precision region (torch.autocast in C++) for CUDA or CPU, hiding the API change of
// LibTorch 2.4 (set_autocast_enabled(device, ...) replacing set_enabled / set_cpu_enabled).
#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

namespace studio::train {

class AutocastGuard {
public:
    /// Enables autocast to `dtype` (bf16 by default) on `device` for this scope when `enabled`; restores the
    /// previous state and clears the cast cache on exit, as Python's `with torch.autocast(...)`. One thread.
    AutocastGuard(c10::DeviceType device, bool enabled, c10::ScalarType dtype = c10::kBFloat16);
    ~AutocastGuard();
    AutocastGuard(const AutocastGuard&) = delete;
    /// Whether autocast is on for `device` in this thread now.
    static bool active(c10::DeviceType device);
    AutocastGuard& operator=(const AutocastGuard&) = delete;

private:
    c10::DeviceType m_device;
    bool m_prevEnabled;
    c10::ScalarType m_prevDtype;
};

}  // namespace studio::train
