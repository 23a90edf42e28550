#pragma once
// Training checkpoints (ARCHITECTURE §4, rfdetr-spec.md §7.1): torch.save archives with rfdetr's keys
// {model, ema_model, optimizer, lr_scheduler, epoch, args} plus a "studio" dict holding what an exact resume
// needs beyond them (global step, step within the epoch, loader position, RNG states, EMA update counter,
// early-stopping and best-mAP state, the resolved config). Every file is written atomically and followed by
// its sidecar (run_folder.h), so the last good checkpoint is never replaced by a partial one.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/engine/adamw.h"
#include "train/engine/rng_state.h"
#include "train/io/py_value.h"
#include "train/io/state_dict.h"

namespace studio::train {

struct TrainingState {
    int epoch = 0;                 // epoch in progress (0-based)
    bool epochComplete = false;    // `epoch` finished: a resume starts at epoch + 1
    std::int64_t globalStep = 0;   // optimiser steps done since the run began
    std::int64_t stepInEpoch = 0;  // optimiser steps done in `epoch`
    std::int64_t emaUpdates = 1;   // the EMA's next update number
    int nonfiniteStreak = 0;       // consecutive skipped non-finite steps
    nlohmann::json loader;         // the train loader's position (its own format)
    nlohmann::json earlyStopping;  // EarlyStopping::toJson
    nlohmann::json bestMetrics;    // BestMetrics::toJson
    nlohmann::json config;         // resolved RunConfig (secrets masked)
    std::uint64_t seed = 0;
    int worldSize = 1;
    std::string studioVersion;
    RngSnapshot rng;

    /// rfdetr's `epoch` entry: the last completed epoch (-1 before the first one ends).
    int completedEpoch() const { return epochComplete ? epoch : epoch - 1; }
    /// The epoch and step a resume continues from.
    int resumeEpoch() const { return epochComplete ? epoch + 1 : epoch; }
    std::int64_t resumeStepInEpoch() const { return epochComplete ? 0 : stepInEpoch; }
};

enum class CheckpointKind { Last, Periodic, BestEma, BestRegular, BestTotal };
const char* nameOf(CheckpointKind k);

/// The parts of a checkpoint; absent parts are left out of the file.
struct CheckpointParts {
    const NamedTensors* model = nullptr;     // 'model'
    const NamedTensors* ema = nullptr;       // 'ema_model'
    const AdamW* optimizer = nullptr;        // 'optimizer' + 'lr_scheduler'
    const TrainingState* state = nullptr;    // 'epoch' (+ 'studio' when withStudioState)
    PyValue args;                            // 'args' (Namespace) or None
    bool withStudioState = true;             // false for best_* files (rfdetr's layout, not resumable by us)
};

/// The checkpoint dict (tensors shared with the model until written).
PyValue checkpointToPy(const CheckpointParts& parts);

/// What the sidecar records besides the kind.
struct SidecarFacts {
    std::string modelSize;   // "" for custom models
    int numClasses = 0;      // class logits - 1 (rfdetr's num_classes)
    int worldSize = 1;
};

/// Writes `root` to `path` atomically, then its sidecar. Throws PthError (disk full, permissions) naming the
/// file; the previous file at `path` is then unchanged.
void writeCheckpointFile(const std::string& path, const PyValue& root, CheckpointKind kind,
                         const SidecarFacts& facts);

/// Copies a finished checkpoint (and a fresh sidecar of `kind`) atomically: periodic copies of checkpoint.pth.
void copyCheckpointFile(const std::string& from, const std::string& to, CheckpointKind kind);

/// A checkpoint read back for resuming or fine-tuning.
struct LoadedCheckpoint {
    std::string path;
    NamedTensors model;
    std::optional<NamedTensors> ema;
    PyValue optimizer;                          // None when absent
    PyValue lrScheduler;                        // None when absent
    std::optional<std::int64_t> epoch;          // rfdetr's last completed epoch
    PyValue args;
    std::optional<TrainingState> state;         // Studio checkpoints only
    std::vector<std::string> topLevelKeys;
    bool resumable() const { return !optimizer.isNone() && epoch.has_value(); }
};

/// Reads a checkpoint written by the Studio or by rfdetr. Throws PthError for an unreadable file and
/// std::runtime_error naming the file when the contents are not a training checkpoint.
LoadedCheckpoint readCheckpointFile(const std::string& path);

/// Writes checkpoint_best_total.pth: `source`'s weights and args only ({model, args}), as rfdetr strips it.
void writeStrippedCheckpoint(const std::string& source, const std::string& target, const SidecarFacts& facts);

}  // namespace studio::train
