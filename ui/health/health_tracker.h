#pragma once
// Per-rank training health from the event stream: step time and data-loader wait (from every rank's `step`
// events, over the last kWindow steps) and GPU utilisation (from `gpu` events, which each node's rank 0
// publishes for that node's GPUs). A rank's GPU is (node, NVML index): its `step` events name both (`host`,
// `gpu`); streams from older trainers lack them, and then rank r uses GPU gpu_ids[local_rank], or local_rank
// when gpu_ids is empty (from the `hello` event's config), on the only node that reports GPUs (unknown when
// several do). Warns when one rank is consistently slower than the others (a straggler) and when a rank's GPU
// waits on data (suggesting NUM_WORKERS). No widgets: HealthView shows it.
#include <QString>
#include <QStringList>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/events/events.h"

namespace studio::ui {

struct RankHealth {
    int rank = 0;
    long long steps = 0;            // step events seen from this rank
    long long lastStep = -1;
    double stepMs = 0;              // median over the window (0 = not reported)
    double dataWaitMs = 0;          // mean over the window
    double waitShare = 0;           // data wait / step time (0..1; 0 when step time is unknown)
    double imgsPerS = 0;            // last reported
    QString host;                   // node ("" = not reported)
    int gpuIndex = -1;              // NVML index on that node; -1 = CPU or unknown
    double gpuUtil = -1;            // %, mean over the window of gpu samples; -1 = no sample
    bool straggler = false;
    bool dataBound = false;
};

class HealthTracker {
public:
    static constexpr int kWindow = 20;               // recent steps per rank
    static constexpr int kMinSteps = 8;              // before any warning
    static constexpr double kStragglerRatio = 1.15;  // median step time vs the other ranks' median
    static constexpr double kDataBoundShare = 0.15;  // data wait share of the step time

    /// Feeds events in order (hello sets the GPU mapping and NUM_WORKERS). GUI thread.
    void addEvents(const std::vector<Event>& events);
    void clear();

    /// One row per rank seen, ascending rank.
    std::vector<RankHealth> ranks() const;
    /// Sentences for the warning line, most important first (empty when healthy or too early).
    QStringList warnings() const;
    int numWorkers() const { return m_numWorkers; }

private:
    struct Window {
        std::deque<double> stepMs, waitMs;
        long long steps = 0, lastStep = -1;
        double imgsPerS = 0;
        std::string host;   // from the last step event ("" = not reported)
        int gpu = -1;       // ditto (-1 = not reported)
    };
    using GpuKey = std::pair<std::string, int>;  // (node, NVML index)
    int gpuOfRank(int rank) const;
    /// Mean recent utilisation of `key`'s GPU (-1 = no sample); an unnamed node matches the only node seen.
    double utilOf(const GpuKey& key) const;

    std::map<int, Window> m_ranks;
    std::map<GpuKey, std::deque<double>> m_gpuUtil;  // (node, GPU index) -> recent utilisation samples
    std::vector<int> m_gpuIds;
    int m_procsPerNode = 0;                          // 0 = unknown
    int m_numWorkers = -1;                           // -1 = unknown
    bool m_cpu = false;
};

}  // namespace studio::ui
