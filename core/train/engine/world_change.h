#pragma once
// Resuming with another number of processes (issue 7: "checkpoints are compatible between single/multi-GPU").
// The effective batch is B x A x N; a checkpoint records the B, A and N it was trained with. On resume with
// another N, --keep-effective-batch adjusts A so B x A x N stays the same; otherwise the change is reported.
// Either way the position inside the epoch is carried over by images seen, and the optimiser step count is
// re-expressed in steps of the new effective batch so the lr schedule continues at the same point of the run.
#include <cstdint>
#include <string>

#include "base/config/run_config.h"
#include "base/util/problem.h"
#include "train/engine/checkpoint_io.h"

namespace studio::train {

struct WorldChange {
    int savedWorld = 1, world = 1;
    long long savedEffective = 0, effective = 0;  // images per optimiser step, before and now
    int gradAccumSteps = 1;                       // the accumulation to train with
    bool adjusted = false;                        // gradAccumSteps differs from the configuration's
    std::string message;                          // what changed, for the log ("" when nothing did)
    std::optional<Problem> problem;               // --keep-effective-batch cannot be honoured
};

/// What resuming `saved` with `cfg` on `world` processes changes. Pure function, any thread.
WorldChange planWorldChange(const TrainingState& saved, const RunConfig& cfg, int world);

/// The effective batch a checkpoint was trained with (its resolved config; `fallback`'s B and A if absent).
long long savedEffectiveBatch(const TrainingState& saved, const RunConfig& fallback);

struct ResumePosition {
    std::int64_t globalStep = 0;
    std::int64_t stepInEpoch = 0;
};

/// `saved`'s position in optimiser steps of `effective` images (`stepsPerEpoch` = the loader's batches per epoch): the images
/// seen in the current epoch are kept (rounded down). Pure function.
ResumePosition rescalePosition(const TrainingState& saved, long long savedEffective, long long effective,
                               long long stepsPerEpoch);

}  // namespace studio::train
