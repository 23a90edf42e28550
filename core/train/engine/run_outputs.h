#pragma once
// The human- and tool-facing files of a run folder besides checkpoints (ARCHITECTURE §4, rfdetr-spec.md
// §7.1/§7.3/§8.3): log.txt (one JSON object per epoch with rfdetr's keys), results.json (per-class metrics,
// rfdetr's layout), TensorBoard scalars and config.json. Every file is replaced atomically; only rank 0
// writes. No Torch here.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/run/run_folder.h"
#include "base/tb/tfevents_writer.h"
#include "train/engine/validator.h"

namespace studio::train {

/// Everything log.txt records about one epoch.
struct EpochRecord {
    int epoch = 0;
    std::map<std::string, double> train;   // train_* keys (LossLayout::logKeys("train_"))
    double lr = 0;                          // lr of parameter group 0 (an "other" parameter: the base lr)
    std::optional<EvalOutcome> regular;     // test_* keys
    std::optional<EvalOutcome> ema;         // ema_test_* keys
    nlohmann::json bestSummary;             // BestMetrics::summary()
    long long nParameters = 0;
    double trainSeconds = 0;
    double epochSeconds = 0;
};

/// The log.txt object of an epoch (rfdetr's keys; times as H:MM:SS strings).
nlohmann::json logLine(const EpochRecord& r);
/// rfdetr's str(timedelta(seconds=int(s))): "0:03:07", "1 day, 2:00:00".
std::string durationText(double seconds);

class RunOutputs {
public:
    /// `enabled` false (ranks > 0) makes every call a no-op. Opens the TensorBoard file under <run>/tb when
    /// `tensorboard`; throws std::runtime_error naming the file when it cannot be created.
    RunOutputs(RunFolder folder, bool enabled, bool tensorboard);

    /// Adds an epoch's line to log.txt (rewritten atomically) and its TensorBoard scalars.
    void recordEpoch(const EpochRecord& r);
    /// Per-step TensorBoard scalars (train loss and lr at the global step).
    void recordStep(long long step, const std::map<std::string, double>& losses, double lr);
    /// Resume: drops log.txt lines of epochs >= `epoch` (they will be trained again).
    void dropEpochsFrom(int epoch);
    /// results.json: `valid` = results_json of the chosen weights' last evaluation; `test` added when given.
    void writeResults(const nlohmann::json& valid, const std::optional<nlohmann::json>& test);
    void flush();

private:
    RunFolder m_folder;
    bool m_enabled;
    std::unique_ptr<TfEventsWriter> m_tb;
};

/// config.json: the resolved RunConfig plus studio version, world size and host (atomic).
void writeConfigJson(const RunFolder& folder, nlohmann::json config, const std::string& version, int worldSize);

}  // namespace studio::train
