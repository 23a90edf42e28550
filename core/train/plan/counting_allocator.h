#pragma once
// Host memory accounting for the plan probe (issue 11): a CPU allocator that forwards to the allocator it
// replaces and counts live and peak bytes of every tensor allocated while it is installed. Installed with
// c10::SetCPUAllocator by CpuAllocationCounter (RAII), which restores the previous allocator afterwards;
// tensors allocated inside and freed later still subtract correctly (their deleters carry the counter).
#include <atomic>
#include <cstdint>

namespace c10 {
struct Allocator;
}

namespace studio::train {

/// Live and peak bytes of CPU tensors allocated while an instance is alive. One instance at a time
/// (constructing a second throws std::logic_error). Construct and destroy on one thread; counters are
/// updated from any thread (intra-op workers allocate too).
class CpuAllocationCounter {
public:
    CpuAllocationCounter();
    ~CpuAllocationCounter();
    CpuAllocationCounter(const CpuAllocationCounter&) = delete;
    CpuAllocationCounter& operator=(const CpuAllocationCounter&) = delete;

    /// Bytes of counted tensors alive now.
    std::int64_t currentBytes() const;
    /// Highest currentBytes() since construction or the last resetPeak().
    std::int64_t peakBytes() const;
    /// Starts a new peak window at the current level.
    void resetPeak();
    /// False when another allocator of higher priority kept its place (nothing is counted then).
    bool installed() const { return m_installed; }

private:
    c10::Allocator* m_previous = nullptr;
    bool m_installed = false;
};

}  // namespace studio::train
