#pragma once
// The trainer's GPU telemetry (ARCHITECTURE §7): a thread that samples NVML once per interval and publishes
// a `gpu` event with every GPU of the node (utilisation, memory, temperature, power). Rank 0 of each node
// runs one during CUDA training. Does nothing when NVML is unavailable.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/events/events.h"
#include "base/gpu/nvml.h"

namespace studio {

/// One sample of every GPU as an event (empty `gpus` when NVML is unavailable). Any thread.
GpuEvent sampleGpus(Nvml& nvml);
/// The `gpu` event for NVML readings `gpus` taken at unix time `t` (seconds) on this host (the Studio's own
/// sampler and the trainer's share it, so both name the node alike). Any thread.
GpuEvent gpuEventFrom(const std::vector<GpuInfo>& gpus, double t);

class GpuMonitor {
public:
    /// Starts sampling `nvml` every `intervalS` seconds, handing each event to `sink` (default: publish on
    /// studio::events()). The first sample is taken at once.
    explicit GpuMonitor(Nvml& nvml, double intervalS = 1.0, std::function<void(const GpuEvent&)> sink = {});
    ~GpuMonitor();  // stops and joins the thread
    GpuMonitor(const GpuMonitor&) = delete;
    GpuMonitor& operator=(const GpuMonitor&) = delete;

private:
    void loop();

    Nvml& m_nvml;
    double m_intervalS;
    std::function<void(const GpuEvent&)> m_sink;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

}  // namespace studio
