#include "ui/gpu/local_gpu_monitor.h"

#include <QDateTime>

#include "base/gpu/gpu_monitor.h"

namespace studio::ui {

LocalGpuMonitor::LocalGpuMonitor(std::function<GpuScan()> scanner, QObject* parent)
    : QObject(parent), m_scanner(std::move(scanner)) {
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (!sampleNow() && m_noGpu) m_timer.stop();  // no driver: do not poll in vain
    });
}

void LocalGpuMonitor::setActive(bool active) {
    if (active && !m_noGpu) {
        if (!m_timer.isActive()) {
            sampleNow();
            if (!m_noGpu) m_timer.start();
        }
    } else {
        m_timer.stop();
    }
}

GpuEvent LocalGpuMonitor::toEvent(const GpuScan& scan, double t) { return gpuEventFrom(scan.gpus, t); }

bool LocalGpuMonitor::sampleNow() {
    const GpuScan scan = m_scanner ? m_scanner() : GpuScan{};
    if (scan.gpus.empty()) {
        m_noGpu = !scan.available;
        return false;
    }
    emit sampled({toEvent(scan, QDateTime::currentMSecsSinceEpoch() / 1000.0)});
    return true;
}

}  // namespace studio::ui
