#pragma once
// CUDA autocast for a scope (torch.autocast("cuda", dtype) as rfdetr uses it, rfdetr-spec.md §6.4): matmuls
// and convolutions in bf16/fp16, the reference's fp32 list in fp32. Works with LibTorch 1.13 and 2.x (whose
// per-device API replaced the global one in 2.4: AutocastGuard hides it). Does nothing when disabled (CPU
// trains in fp32).
#include <c10/core/ScalarType.h>

#include <optional>

#include "train/model/autocast_guard.h"

namespace studio::train {

class AutocastScope {
public:
    /// Enables CUDA autocast with `dtype` when `enabled`; restores the previous state on destruction.
    /// Thread-local (the calling thread only).
    AutocastScope(bool enabled, c10::ScalarType dtype);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    std::optional<AutocastGuard> m_guard;
};

}  // namespace studio::train
