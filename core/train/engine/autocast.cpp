#include "train/engine/autocast.h"

namespace studio::train {

AutocastScope::AutocastScope(bool enabled, c10::ScalarType dtype) {
    if (enabled) m_guard.emplace(c10::kCUDA, true, dtype);
}

AutocastScope::~AutocastScope() = default;

}  // namespace studio::train
