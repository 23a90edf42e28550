#include "train/engine/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define STUDIO_AUTOCAST_PER_DEVICE 1
#endif

namespace studio::train {

namespace {
bool cudaAutocastEnabled() {
#ifdef STUDIO_AUTOCAST_PER_DEVICE
    return at::autocast::is_autocast_enabled(at::kCUDA);
#else
    return at::autocast::is_enabled();
#endif
}
c10::ScalarType cudaAutocastDtype() {
#ifdef STUDIO_AUTOCAST_PER_DEVICE
    return at::autocast::get_autocast_dtype(at::kCUDA);
#else
    return at::autocast::get_autocast_gpu_dtype();
#endif
}
void setCudaAutocast(bool enabled, c10::ScalarType dtype) {
#ifdef STUDIO_AUTOCAST_PER_DEVICE
    at::autocast::set_autocast_dtype(at::kCUDA, dtype);
    at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(enabled);
#endif
}
}  // namespace

AutocastScope::AutocastScope(bool enabled, c10::ScalarType dtype) {
    if (!enabled) return;
    m_active = true;
    m_prevEnabled = cudaAutocastEnabled();
    m_prevDtype = cudaAutocastDtype();
    setCudaAutocast(true, dtype);
    at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
    if (!m_active) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    setCudaAutocast(m_prevEnabled, m_prevDtype);
}

}  // namespace studio::train
