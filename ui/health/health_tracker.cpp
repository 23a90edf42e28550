#include "ui/health/health_tracker.h"

#include <QObject>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace studio::ui {

namespace {
template <class T>
void pushBounded(std::deque<T>& d, T v, size_t cap) {
    d.push_back(v);
    while (d.size() > cap) d.pop_front();
}
double median(std::vector<double> v) {
    if (v.empty()) return 0;
    const size_t mid = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<long>(mid), v.end());
    double m = v[mid];
    if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + static_cast<long>(mid))) / 2;
    return m;
}
double mean(const std::deque<double>& d) {
    return d.empty() ? 0.0 : std::accumulate(d.begin(), d.end(), 0.0) / static_cast<double>(d.size());
}
int intOr(const nlohmann::json& o, const char* key, int fallback) {
    const auto it = o.find(key);
    return it != o.end() && it->is_number_integer() ? it->get<int>() : fallback;
}
}  // namespace

void HealthTracker::clear() { *this = HealthTracker{}; }

void HealthTracker::addEvents(const std::vector<Event>& events) {
    for (const Event& e : events) {
        if (const auto* st = std::get_if<StepEvent>(&e)) {
            Window& w = m_ranks[st->rank];
            if (st->step <= w.lastStep) {  // a resumed run replays from its checkpoint: start the window again
                w.stepMs.clear();
                w.waitMs.clear();
            }
            if (st->stepMs > 0 && std::isfinite(st->stepMs)) pushBounded(w.stepMs, st->stepMs, kWindow);
            if (std::isfinite(st->dataWaitMs)) pushBounded(w.waitMs, st->dataWaitMs, kWindow);
            if (st->imgsPerS > 0) w.imgsPerS = st->imgsPerS;
            w.host = st->host;
            w.gpu = st->gpu;
            w.lastStep = st->step;
            ++w.steps;
        } else if (const auto* g = std::get_if<GpuEvent>(&e)) {
            for (const GpuSample& s : g->gpus) pushBounded(m_gpuUtil[{g->host, s.index}], s.util, kWindow);
        } else if (const auto* h = std::get_if<HelloEvent>(&e)) {
            const nlohmann::json& c = h->config;
            if (!c.is_object()) continue;
            m_gpuIds.clear();
            if (const auto it = c.find("gpu_ids"); it != c.end() && it->is_array()) {
                for (const auto& v : *it) {
                    if (v.is_number_integer()) m_gpuIds.push_back(v.get<int>());
                }
            }
            const int nproc = intOr(c, "nproc_per_node", 0);
            const int gpus = intOr(c, "num_gpus", 0);
            m_procsPerNode = nproc > 0 ? nproc : !m_gpuIds.empty() ? static_cast<int>(m_gpuIds.size()) : gpus;
            m_numWorkers = intOr(c, "num_workers", m_numWorkers);
            const auto dev = c.find("device");
            m_cpu = dev != c.end() && dev->is_string() && dev->get<std::string>() == "cpu";
        }
    }
}

int HealthTracker::gpuOfRank(int rank) const {
    if (m_cpu) return -1;
    const int local = m_procsPerNode > 0 ? rank % m_procsPerNode : rank;
    if (!m_gpuIds.empty()) return local < static_cast<int>(m_gpuIds.size()) ? m_gpuIds[static_cast<size_t>(local)] : -1;
    return local;
}

double HealthTracker::utilOf(const GpuKey& key) const {
    if (key.second < 0) return -1;
    if (const auto it = m_gpuUtil.find(key); it != m_gpuUtil.end()) return mean(it->second);
    // A rank or GPU sample without a node name: only unambiguous when a single node reports GPUs.
    const std::string* only = nullptr;
    for (const auto& [k, samples] : m_gpuUtil) {
        if (only && *only != k.first) return -1;
        only = &k.first;
    }
    if (!only || (!key.first.empty() && !only->empty())) return -1;
    const auto it = m_gpuUtil.find({*only, key.second});
    return it != m_gpuUtil.end() ? mean(it->second) : -1;
}

std::vector<RankHealth> HealthTracker::ranks() const {
    std::vector<RankHealth> out;
    for (const auto& [rank, w] : m_ranks) {
        RankHealth r;
        r.rank = rank;
        r.steps = w.steps;
        r.lastStep = w.lastStep;
        r.stepMs = median({w.stepMs.begin(), w.stepMs.end()});
        r.dataWaitMs = mean(w.waitMs);
        r.waitShare = r.stepMs > 0 ? std::min(1.0, r.dataWaitMs / r.stepMs) : 0.0;
        r.imgsPerS = w.imgsPerS;
        r.host = QString::fromStdString(w.host);
        r.gpuIndex = !w.host.empty() || w.gpu >= 0 ? w.gpu : gpuOfRank(rank);  // new trainers name it; else infer
        r.gpuUtil = utilOf({w.host, r.gpuIndex});
        r.dataBound = static_cast<int>(w.waitMs.size()) >= kMinSteps && r.stepMs > 0 && r.waitShare >= kDataBoundShare;
        out.push_back(r);
    }
    // A straggler is measured against the median of the other ranks (so one slow rank of two still shows).
    for (RankHealth& r : out) {
        if (out.size() < 2 || static_cast<int>(m_ranks.at(r.rank).stepMs.size()) < kMinSteps) continue;
        std::vector<double> others;
        for (const RankHealth& o : out) {
            if (o.rank != r.rank && o.stepMs > 0) others.push_back(o.stepMs);
        }
        const double ref = median(others);
        r.straggler = ref > 0 && r.stepMs > kStragglerRatio * ref;
    }
    return out;
}

QStringList HealthTracker::warnings() const {
    QStringList out;
    const auto rows = ranks();
    for (const RankHealth& r : rows) {
        if (!r.straggler) continue;
        std::vector<double> others;
        for (const RankHealth& o : rows) {
            if (o.rank != r.rank && o.stepMs > 0) others.push_back(o.stepMs);
        }
        out << QObject::tr("Rank %1 is a straggler: %2 ms per step against %3 ms on the other ranks; every rank waits "
                           "for it at each gradient all-reduce. Check its GPU%4 (clocks, temperature, other jobs).")
                   .arg(r.rank).arg(r.stepMs, 0, 'f', 0).arg(median(others), 0, 'f', 0)
                   .arg(r.gpuIndex < 0  ? QString()
                        : r.host.isEmpty() ? QStringLiteral(" %1").arg(r.gpuIndex)
                                           : QObject::tr(" %1 on %2").arg(r.gpuIndex).arg(r.host));
    }
    for (const RankHealth& r : rows) {
        if (!r.dataBound) continue;
        const QString workers = m_numWorkers >= 0 ? QObject::tr(" (now %1)").arg(m_numWorkers) : QString();
        out << QObject::tr("Rank %1 waits on data for %2% of each step (%3 of %4 ms): the GPU idles. Increase "
                           "NUM_WORKERS%5, or make images smaller on disk.")
                   .arg(r.rank).arg(qRound(r.waitShare * 100)).arg(r.dataWaitMs, 0, 'f', 0).arg(r.stepMs, 0, 'f', 0).arg(workers);
    }
    return out;
}

}  // namespace studio::ui
