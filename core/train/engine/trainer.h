#pragma once
// The training loop (rfdetr-spec.md §6.4, §6.9, §7): epochs of optimiser steps, per-epoch checkpoint,
// validation of the regular and the EMA weights, best checkpoints, log.txt / TensorBoard / events, early
// stopping, and at the end checkpoint_best_total.pth and results.json. Reacts between steps to stop and
// checkpoint requests and to non-finite losses. Every rank runs it; only rank 0 writes files and events.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include "base/coco/coco_dataset.h"
#include "base/config/run_config.h"
#include "base/run/run_folder.h"
#include "train/engine/batch_source.h"
#include "train/engine/checkpoint_io.h"
#include "train/engine/validator.h"
#include "train/loss/set_criterion.h"
#include "train/model/rfdetr.h"

namespace studio::train {

class DistContext;
class RunControl;

struct TrainerOptions {
    int logEverySteps = 10;          // one loss synchronisation and step event every N optimiser steps ...
    double logEverySeconds = 5.0;    // ... or sooner once this much time has passed
    int maxNonfiniteStreak = 5;      // consecutive non-finite steps before the run stops
    std::string studioVersion;
    /// Tests only: called before every micro-batch's forward with the optimiser step about to be taken
    /// (0-based) and the micro-batch; throwing from it simulates a failure there (e.g. out of memory).
    std::function<void(long long step, int microBatch)> beforeMicroBatch;
};

struct TrainerParts {
    RunConfig cfg;
    RFDetr model{nullptr};
    RFDetr emaModel{nullptr};                   // required when cfg.useEma
    std::unique_ptr<SetCriterion> criterion;
    std::unique_ptr<TrainBatchSource> train;
    std::unique_ptr<Validator> validator;       // valid split (null: no evaluation)
    std::unique_ptr<Validator> testValidator;   // test split, evaluated once with the best weights (optional)
    std::shared_ptr<DistContext> dist;
    RunControl* control = nullptr;
    ClassList classes;                          // the dataset's classes: category id (the model's label), name
    c10::Device device{c10::kCPU};
    RunFolder folder;
    std::optional<LoadedCheckpoint> resume;     // restore everything from here
    nlohmann::json configJson;                  // resolved config (secrets masked), saved in checkpoints
    TrainerOptions options;
};

enum class TrainStatus { Finished, Stopped, EarlyStopped, Failed };
const char* nameOf(TrainStatus s);

struct TrainOutcome {
    TrainStatus status = TrainStatus::Finished;
    int exitCode = 0;
    std::string message;        // why it failed (empty otherwise)
    std::string hint;
    std::string errorCode;          // the error event's code when failed ("oom", "nonfinite")
    nlohmann::json errorDetails;    // its details ("oom": the suggested split, command, env; base/run/oom_advice.h)
    bool checkpointSaved = false;   // checkpoint.pth holds the state after the last good step (failed runs)
    std::int64_t globalStep = 0;
    int epochsCompleted = 0;
};

/// A resume checkpoint that does not fit this run; the message names the file and the mismatch.
class ResumeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Trainer {
public:
    /// Builds the parameter groups, optimiser and EMA and restores `parts.resume` (weights strictly, EMA,
    /// optimiser, progress, RNG, early stopping). Throws ResumeError for a checkpoint of another model.
    explicit Trainer(TrainerParts parts);
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    /// Trains until the configured end, a stop request, early stopping, max_steps or a failure. Writes
    /// checkpoints and outputs (rank 0) and publishes events. Out of memory in a step's forward/backward
    /// ends the run as Failed (code "oom") after checkpointing the last good step. Other errors (disk full,
    /// out of memory during validation) propagate as exceptions after nothing half-written was left.
    /// Training thread.
    TrainOutcome run();

    const TrainingState& state() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

}  // namespace studio::train
