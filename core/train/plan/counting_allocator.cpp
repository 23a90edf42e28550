#include "train/plan/counting_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <torch/version.h>

#include <cstring>
#include <mutex>
#include <unordered_map>
#include <stdexcept>

// LibTorch 2.3 made Allocator::allocate non-const and added the pure virtual copy_data.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define STUDIO_ALLOCATE_CONST
#define STUDIO_ALLOCATOR_COPY_DATA 1
#else
#define STUDIO_ALLOCATE_CONST const
#endif

namespace studio::train {

namespace {

struct Counters {
    std::atomic<std::int64_t> current{0};
    std::atomic<std::int64_t> peak{0};
    void add(std::int64_t n) {
        const std::int64_t now = current.fetch_add(n) + n;
        std::int64_t p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
    }
};

Counters g_counters;
std::atomic<std::uint64_t> g_session{0};  // counting session; frees from an earlier one are not subtracted

/// A counted allocation: its size, session and the wrapped allocator's deleter.
struct Counted {
    std::int64_t bytes;
    std::uint64_t session;
    c10::DeleterFnPtr innerDeleter;
};

// The DataPtr of a counted allocation has context == data (raw_allocate() requires it), so its size lives
// here. Leaked on purpose: tensors may be freed during static destruction.
std::mutex& tableMutex() {
    static auto* m = new std::mutex;
    return *m;
}
std::unordered_map<void*, Counted>& table() {
    static auto* t = new std::unordered_map<void*, Counted>;
    return *t;
}

void deleteCounted(void* ptr) {
    Counted c{};
    {
        std::lock_guard<std::mutex> lock(tableMutex());
        auto it = table().find(ptr);
        if (it == table().end()) return;  // cannot happen: every counted pointer is in the table
        c = it->second;
        table().erase(it);
    }
    if (c.session == g_session.load()) g_counters.current.fetch_sub(c.bytes);
    c.innerDeleter(ptr);
}

class CountingAllocator final : public c10::Allocator {
public:
    c10::Allocator* inner = nullptr;

    c10::DataPtr allocate(size_t n) STUDIO_ALLOCATE_CONST override {
        c10::DataPtr p = inner->allocate(n);
        void* data = p.get();
        // Only plain allocations (context == data, a function deleter) can be wrapped; others pass uncounted.
        if (!data || p.get_context() != data || !p.get_deleter()) return p;
        const c10::DeleterFnPtr innerDeleter = p.get_deleter();
        const c10::Device device = p.device();
        {
            std::lock_guard<std::mutex> lock(tableMutex());
            table()[data] = Counted{static_cast<std::int64_t>(n), g_session.load(), innerDeleter};
        }
        p.release_context();
        g_counters.add(static_cast<std::int64_t>(n));
        return c10::DataPtr(data, data, &deleteCounted, device);
    }
    c10::DeleterFnPtr raw_deleter() const override { return &deleteCounted; }
#ifdef STUDIO_ALLOCATOR_COPY_DATA
    void copy_data(void* dest, const void* src, std::size_t count) const override { std::memcpy(dest, src, count); }
#endif
};

CountingAllocator g_allocator;
std::atomic<bool> g_active{false};

}  // namespace

CpuAllocationCounter::CpuAllocationCounter() {
    if (g_active.exchange(true)) throw std::logic_error("CpuAllocationCounter: one at a time");
    m_previous = c10::GetCPUAllocator();
    g_allocator.inner = m_previous;
    ++g_session;
    g_counters.current = 0;
    g_counters.peak = 0;
    c10::SetCPUAllocator(&g_allocator, /*priority=*/0);
    m_installed = c10::GetCPUAllocator() == &g_allocator;
}

CpuAllocationCounter::~CpuAllocationCounter() {
    if (m_installed) c10::SetCPUAllocator(m_previous, /*priority=*/0);
    ++g_session;
    g_active = false;
}

std::int64_t CpuAllocationCounter::currentBytes() const { return g_counters.current.load(); }

std::int64_t CpuAllocationCounter::peakBytes() const { return g_counters.peak.load(); }

void CpuAllocationCounter::resetPeak() { g_counters.peak = g_counters.current.load(); }

}  // namespace studio::train
