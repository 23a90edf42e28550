#pragma once
// Helpers of bench_step: synthetic training batches, a phase timer for trainStep's observer hook, peak memory
// (CUDA allocator statistics, or plan's counting CPU allocator) and a
// GPU utilisation sampler (NVML).
#include <ATen/ATen.h>
#include <torch/cuda.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

#ifdef STUDIO_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include "base/gpu/nvml.h"
#include "train/data/batch.h"
#include "train/engine/train_step.h"
#include "train/plan/counting_allocator.h"

namespace bench {

using namespace studio;
using namespace studio::train;
using Clock = std::chrono::steady_clock;

inline double msSince(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

/// CPU time of the whole process (all threads), ms.
inline double processCpuMs() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return 1e3 * static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_nsec);
}

inline void synchronize(const c10::Device& d) {
    if (d.is_cuda()) torch::cuda::synchronize(d.index());
}

/// `count` batches of random normalised images with minBoxes..maxBoxes random boxes each (labels in
/// [0, classes)), as the Python baseline (gpu-machine.md) used. Pinned host memory on CUDA so the
/// copy to the device is asynchronous, as the loader's.
inline std::vector<Batch> syntheticBatches(int count, int batch, int resolution, int minBoxes, int maxBoxes,
                                           int classes, bool pinned) {
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(1234);
    std::vector<Batch> out;
    for (int i = 0; i < count; ++i) {
        Batch b;
        b.images = at::randn({batch, 3, resolution, resolution}, g, at::kFloat);
        if (pinned) b.images = b.images.pin_memory();
        for (int k = 0; k < batch; ++k) {
            const int64_t n = at::randint(minBoxes, maxBoxes + 1, {1}, g, at::kLong).item<int64_t>();
            const at::Tensor centre = at::rand({n, 2}, g, at::kFloat) * 0.7 + 0.15;
            const at::Tensor size = at::rand({n, 2}, g, at::kFloat) * 0.25 + 0.05;
            b.targets.push_back({at::cat({centre, size}, 1), at::randint(0, classes, {n}, g, at::kLong)});
            b.imageIds.push_back(i * batch + k);
            b.origSizes.emplace_back(resolution, resolution);
        }
        out.push_back(std::move(b));
    }
    return out;
}

/// Wall time per phase of trainStep; with `sync` the device is synchronised at every phase end (CUDA
/// runs asynchronously, so unsynchronised marks would time kernel launches, not kernels).
class PhaseTimer final : public StepPhaseObserver {
public:
    PhaseTimer(const c10::Device& device, bool sync) : m_device(device), m_sync(sync) {}
    void start() {
        if (m_sync) synchronize(m_device);
        m_last = Clock::now();
    }
    void phaseEnded(StepPhase phase) override {
        if (m_sync) synchronize(m_device);
        const auto now = Clock::now();
        m_ms[static_cast<int>(phase)] += std::chrono::duration<double, std::milli>(now - m_last).count();
        m_last = now;
    }
    /// Mean ms per step of each phase over `steps` steps.
    std::array<double, kStepPhaseCount> perStep(int steps) const {
        std::array<double, kStepPhaseCount> out{};
        for (int i = 0; i < kStepPhaseCount; ++i) out[i] = m_ms[i] / std::max(1, steps);
        return out;
    }

private:
    c10::Device m_device;
    bool m_sync;
    Clock::time_point m_last;
    std::array<double, kStepPhaseCount> m_ms{};
};

/// Peak memory since reset(): on CUDA the caching allocator's peaks of allocated and reserved bytes (as
/// torch.cuda.max_memory_allocated / max_memory_reserved); on the CPU the live tensor bytes counted by
/// `cpuCounter` (installed before the model was built, so weights, gradients and optimiser state count),
/// or the process's peak resident set (VmHWM) when no counter is installed.
class PeakMemory {
public:
    PeakMemory(const c10::Device& device, CpuAllocationCounter* cpuCounter)
        : m_device(device), m_cpu(cpuCounter && cpuCounter->installed() ? cpuCounter : nullptr) {}
    void reset() {
#ifdef STUDIO_TORCH_CUDA
        if (m_device.is_cuda()) {
            c10::cuda::CUDACachingAllocator::resetPeakStats(m_device.index());
            return;
        }
#endif
        if (m_cpu) m_cpu->resetPeak();
    }
    std::int64_t peakBytes() const {
#ifdef STUDIO_TORCH_CUDA
        if (m_device.is_cuda())
            return c10::cuda::CUDACachingAllocator::getDeviceStats(m_device.index()).allocated_bytes[0].peak;
#endif
        if (m_cpu) return m_cpu->peakBytes();
        return statusKib("VmHWM:") * 1024;
    }
    /// CUDA: peak reserved bytes (what the driver gave the allocator); -1 elsewhere.
    std::int64_t peakReservedBytes() const {
#ifdef STUDIO_TORCH_CUDA
        if (m_device.is_cuda())
            return c10::cuda::CUDACachingAllocator::getDeviceStats(m_device.index()).reserved_bytes[0].peak;
#endif
        return -1;
    }
    /// What peakBytes() measures, for the printout.
    std::string what() const {
        if (m_device.is_cuda()) return "peak GPU memory allocated (CUDA caching allocator; reserved in brackets)";
        return m_cpu ? "peak live CPU tensor bytes (counting allocator: weights, gradients, optimiser state, "
                       "activations)"
                     : "peak process RSS since start (no counting allocator)";
    }

private:
    static std::int64_t statusKib(const std::string& field) {
        std::ifstream status("/proc/self/status");
        std::string key;
        while (status >> key) {
            if (key == field) {
                std::int64_t kib = 0;
                status >> kib;
                return kib;
            }
            status.ignore(1 << 12, '\n');
        }
        return 0;
    }

    c10::Device m_device;
    CpuAllocationCounter* m_cpu;
};

/// Samples the GPU's utilisation through NVML every 100 ms on its own thread while alive; mean() is -1
/// when NVML is unavailable or nothing was sampled.
class GpuUtilSampler {
public:
    explicit GpuUtilSampler(int gpuIndex) : m_index(gpuIndex) {
        if (!Nvml::instance().available()) return;
        m_thread = std::thread([this] {
            while (!m_stop) {
                if (auto info = Nvml::instance().device(m_index); info && info->utilPercent >= 0) {
                    m_sum += info->utilPercent;
                    ++m_count;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        });
    }
    ~GpuUtilSampler() { stop(); }
    void stop() {
        m_stop = true;
        if (m_thread.joinable()) m_thread.join();
    }
    double mean() const { return m_count ? static_cast<double>(m_sum) / m_count : -1; }

private:
    int m_index;
    std::atomic<bool> m_stop{false};
    std::atomic<long long> m_sum{0}, m_count{0};
    std::thread m_thread;
};

}  // namespace bench
