#include "ui/plots/metric_store.h"

#include <algorithm>
#include <cmath>

namespace studio::ui {

MetricStore::MetricStore(QObject* parent) : QObject(parent) {}

void MetricStore::clear() {
    m_series.clear();
    m_order.clear();
    m_gpuNames.clear();
    m_gpuCount = 0;
    m_gpuT0 = -1;
    m_gpuLastT = -1;
    m_stepsPerEpoch = 0;
    m_lastStep = -1;
    m_lastEpoch = -1;
    m_bestMap = -1;
    m_nonFinite = 0;
    emit cleared();
}

void MetricStore::append(const QString& name, double key, double value, bool gap) {
    auto it = m_series.find(name);
    if (it == m_series.end()) {
        it = m_series.insert(name, Series{});
        m_order << name;
        emit seriesAdded(name);
    }
    Series& s = *it;
    if (!s.keys.isEmpty() && key <= s.keys.back()) {
        // A resumed run replays from its checkpoint: its points replace the ones logged after it.
        const auto first = std::lower_bound(s.keys.begin(), s.keys.end(), key) - s.keys.begin();
        s.keys.resize(first);
        s.values.resize(first);
        ++s.generation;
    }
    if (!std::isfinite(value)) {
        if (!gap) ++m_nonFinite;
        value = std::nan("");  // a gap in the line
    }
    s.keys.push_back(key);
    s.values.push_back(value);
    m_dirty = true;
}

void MetricStore::addEvents(const std::vector<Event>& events) {
    for (const Event& e : events) {
        if (const auto* st = std::get_if<StepEvent>(&e)) {
            if (st->rank != 0) continue;  // every rank reports its steps (HealthView); curves are rank 0's
            const double k = static_cast<double>(st->step);
            for (const auto& [term, v] : st->loss) append(QStringLiteral("train/loss/") + QString::fromStdString(term), k, v);
            if (st->lr > 0) append(QStringLiteral("lr"), k, st->lr);
            if (st->imgsPerS > 0) append(QStringLiteral("throughput/imgs_per_s"), k, st->imgsPerS);
            append(QStringLiteral("throughput/data_wait_ms"), k, st->dataWaitMs);
            if (st->stepsPerEpoch > 0) m_stepsPerEpoch = st->stepsPerEpoch;
            m_lastStep = st->step;
            m_lastEpoch = std::max(m_lastEpoch, st->epoch);
        } else if (const auto* ev = std::get_if<EvalEvent>(&e)) {
            const QString which = ev->ema ? QStringLiteral("ema") : QStringLiteral("regular");
            const double k = ev->epoch + 1;  // events count epochs from 0, people from 1
            append(QStringLiteral("map/%1/50_95").arg(which), k, ev->map5095);
            append(QStringLiteral("map/%1/50").arg(which), k, ev->map50);
            if (std::isfinite(ev->map5095)) m_bestMap = std::max(m_bestMap, ev->map5095);
            if (!ev->ema) {
                // Validation losses share the training loss plot: keyed by the step the epoch ended on.
                const double vk = m_lastStep >= 0 ? static_cast<double>(m_lastStep) : k;
                for (const auto& [term, v] : ev->loss) append(QStringLiteral("val/loss/") + QString::fromStdString(term), vk, v);
            }
            m_lastEpoch = std::max(m_lastEpoch, ev->epoch);
        } else if (const auto* g = std::get_if<GpuEvent>(&e)) {
            constexpr double kGapS = 30.0;  // samples come every second; a longer silence is a pause
            if (m_gpuT0 < 0) m_gpuT0 = g->t;
            const double k = g->t - m_gpuT0;
            if (m_gpuLastT >= 0 && g->t - m_gpuLastT > kGapS) {
                for (int i = 0; i < m_gpuCount; ++i) {
                    for (const char* metric : {"util", "mem_gb", "temp_c", "power_w"})
                        append(QStringLiteral("gpu%1/%2").arg(i).arg(QLatin1String(metric)), m_gpuLastT - m_gpuT0 + 1e-3,
                               std::nan(""), true);
                }
            }
            m_gpuLastT = std::max(m_gpuLastT, g->t);
            for (const auto& s : g->gpus) {
                const QString p = QStringLiteral("gpu%1/").arg(s.index);
                if (s.index >= m_gpuCount) {
                    m_gpuCount = s.index + 1;
                    while (m_gpuNames.size() < m_gpuCount) m_gpuNames << QString();
                }
                if (!s.name.empty()) m_gpuNames[s.index] = QString::fromStdString(s.name);
                append(p + QStringLiteral("util"), k, s.util);
                append(p + QStringLiteral("mem_gb"), k, s.memUsedMb / 1024.0);
                append(p + QStringLiteral("temp_c"), k, s.tempC);
                append(p + QStringLiteral("power_w"), k, s.powerW);
            }
        }
    }
    if (m_dirty) {
        m_dirty = false;
        emit appended();
    }
}

QStringList MetricStore::seriesNames() const { return m_order; }

const Series* MetricStore::series(const QString& name) const {
    const auto it = m_series.constFind(name);
    return it == m_series.cend() ? nullptr : &*it;
}

}  // namespace studio::ui
