#pragma once
// Samples the local GPUs through NVML once a second while no run is streaming its own `gpu` events, and
// hands the samples over as protocol GpuEvents, so the GPU plots look the same either way.
#include <QObject>
#include <QTimer>
#include <functional>
#include <vector>

#include "base/events/events.h"
#include "ui/gpu/gpu_list_model.h"

namespace studio::ui {

class LocalGpuMonitor : public QObject {
    Q_OBJECT
public:
    explicit LocalGpuMonitor(std::function<GpuScan()> scanner = scanLocalGpus, QObject* parent = nullptr);
    /// Starts/stops sampling (stopped while a run reports its own GPU events). GUI thread.
    void setActive(bool active);
    bool isActive() const { return m_timer.isActive(); }
    void setIntervalMs(int ms) { m_timer.setInterval(ms); }
    /// Takes one sample now; returns false when NVML has no GPU (nothing is emitted).
    bool sampleNow();

    /// A GpuEvent from an NVML scan at unix time `t` (core's gpuEventFrom: the trainer's samples look alike).
    static GpuEvent toEvent(const GpuScan& scan, double t);

signals:
    void sampled(const std::vector<studio::Event>& events);

private:
    std::function<GpuScan()> m_scanner;
    QTimer m_timer;
    bool m_noGpu = false;
};

}  // namespace studio::ui
