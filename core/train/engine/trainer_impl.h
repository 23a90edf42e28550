#pragma once
// Trainer internals shared by trainer.cpp (setup, step loop) and trainer_epoch_end.cpp (checkpoints,
// validation, logs, the end of the run). Not a public interface.
#include <chrono>
#include <memory>
#include <optional>

#include "train/engine/adamw.h"
#include "train/engine/early_stopping.h"
#include "train/engine/loss_log.h"
#include "train/engine/lr_schedule.h"
#include "train/engine/model_ema.h"
#include "train/engine/run_outputs.h"
#include "train/engine/train_step.h"
#include "train/engine/trainer.h"

namespace studio::train {

using Clock = std::chrono::steady_clock;

/// How the step loop of an epoch ended.
enum class EpochEnd { Completed, MaxSteps, Stopped, Failed, OutOfMemory };

struct Trainer::Impl {
    TrainerParts p;
    std::vector<std::string> paramNames;
    std::unique_ptr<AdamW> optimizer;
    std::unique_ptr<ModelEma> ema;
    EarlyStopping earlyStopping;
    BestMetrics best;
    LossLayout layout;
    LossMeter meter;
    TrainingState state;
    StepContext step;
    std::unique_ptr<RunOutputs> outputs;
    PyValue args;
    SidecarFacts facts;
    LrScheduleSpec schedule;
    long long batchesPerEpoch = 0;
    std::optional<EvalOutcome> lastRegular, lastEma;  // the latest evaluations (results.json)
    std::string failure, failureHint;
    StepResult oomStep;  // the step that ran out of memory (EpochEnd::OutOfMemory)

    // Step-event window.
    Clock::time_point windowStart = Clock::now();
    long long windowImages = 0;
    double windowDataWaitMs = 0;
    long long windowSteps = 0;

    explicit Impl(TrainerParts parts);
    bool isMain() const;
    double baseLr() const { return optimizer->size() ? optimizer->lr(0) : 0.0; }

    // trainer.cpp
    void restore(const LoadedCheckpoint& c);
    EpochEnd trainEpoch(int epoch, long long firstBatch);
    void writeBatchPreview(const Batch& batch);  // rank 0: train_batch0.png (never fails the run)
    void publishWindow(int epoch);
    bool onNonfinite(const StepResult& r, int epoch);
    bool anyRank(bool flag);
    void outOfMemoryOutcome(TrainOutcome& out);

    // trainer_epoch_end.cpp
    void captureState();
    void saveLast(const char* why);
    void savePeriodic(int epoch);
    void saveBest(CheckpointKind kind, RFDetr& weights);
    bool epochEnd(int epoch, bool complete, double trainSeconds, Clock::time_point epochStart);
    EvalOutcome evaluate(RFDetr& model, bool isEma, int epoch);
    void finish();
    void writeBestTotal();  // rank 0: checkpoint_best_total.pth from the best (or final) weights
};

}  // namespace studio::train
