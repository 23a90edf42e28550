#include "train/model/autocast_guard.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace studio::train {

namespace {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool isEnabled(c10::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
void setEnabled(c10::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
at::ScalarType getDtype(c10::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
void setDtype(c10::DeviceType d, at::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
bool isEnabled(c10::DeviceType d) { return d == c10::kCPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled(); }
void setEnabled(c10::DeviceType d, bool on) {
    if (d == c10::kCPU) at::autocast::set_cpu_enabled(on); else at::autocast::set_enabled(on);
}
at::ScalarType getDtype(c10::DeviceType d) {
    return d == c10::kCPU ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
void setDtype(c10::DeviceType d, at::ScalarType t) {
    if (d == c10::kCPU) at::autocast::set_autocast_cpu_dtype(t); else at::autocast::set_autocast_gpu_dtype(t);
}
#endif

}  // namespace

AutocastGuard::AutocastGuard(c10::DeviceType device, bool enabled, c10::ScalarType dtype)
    : m_device(device), m_prevEnabled(isEnabled(device)), m_prevDtype(getDtype(device)) {
    setEnabled(device, enabled);
    setDtype(device, dtype);
    at::autocast::increment_nesting();
}

bool AutocastGuard::active(c10::DeviceType device) { return isEnabled(device); }

AutocastGuard::~AutocastGuard() {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    setEnabled(m_device, m_prevEnabled);
    setDtype(m_device, m_prevDtype);
}

}  // namespace studio::train
