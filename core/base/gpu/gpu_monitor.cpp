#include "base/gpu/gpu_monitor.h"

#include <chrono>

#include "base/events/event_writer.h"
#include "base/gpu/gpu_identity.h"
#include "base/gpu/nvml.h"

namespace studio {

GpuEvent gpuEventFrom(const std::vector<GpuInfo>& gpus, double t) {
    GpuEvent e;
    e.t = t;
    e.host = localHostName();
    for (const GpuInfo& g : gpus) {
        GpuSample s;
        s.index = g.index;
        s.name = g.name;
        s.util = g.utilPercent;
        s.memUsedMb = static_cast<double>(g.memUsedBytes) / (1024.0 * 1024.0);
        s.memTotalMb = static_cast<double>(g.memTotalBytes) / (1024.0 * 1024.0);
        s.tempC = g.temperatureC;
        s.powerW = g.powerW;
        e.gpus.push_back(s);
    }
    return e;
}

GpuEvent sampleGpus(Nvml& nvml) {
    const double t = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    return gpuEventFrom(nvml.available() ? nvml.devices() : std::vector<GpuInfo>{}, t);
}

GpuMonitor::GpuMonitor(Nvml& nvml, double intervalS, std::function<void(const GpuEvent&)> sink)
    : m_nvml(nvml), m_intervalS(intervalS), m_sink(std::move(sink)) {
    if (!m_sink) m_sink = [](const GpuEvent& e) { events().publish(e); };
    if (m_nvml.available()) m_thread = std::thread([this] { loop(); });
}

GpuMonitor::~GpuMonitor() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void GpuMonitor::loop() {
    std::unique_lock<std::mutex> lock(m_mutex);
    while (!m_stop) {
        lock.unlock();
        const GpuEvent e = sampleGpus(m_nvml);
        if (!e.gpus.empty()) m_sink(e);
        lock.lock();
        m_wake.wait_for(lock, std::chrono::duration<double>(m_intervalS), [this] { return m_stop; });
    }
}

}  // namespace studio
