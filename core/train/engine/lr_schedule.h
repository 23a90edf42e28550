#pragma once
// rfdetr's learning-rate schedule (rfdetr-spec.md §6.3): a LambdaLR factor on every group's initial lr,
// evaluated at the optimiser step index (stepped once per optimiser step, after optimizer.step). The
// default ('step', no warmup, lr_drop = epochs) keeps the lr constant. No Torch here.
#include "base/config/run_config.h"

namespace studio::train {

struct LrScheduleSpec {
    LrSchedule kind = LrSchedule::Step;
    long long stepsPerEpoch = 1;  // studio::stepsPerEpoch(): rfdetr's ceil(images / effective batch), 5 for tiny sets
    int epochs = 1;
    double warmupEpochs = 0;      // may be fractional
    int lrDropEpoch = 0;          // 'step': factor 0.1 from this epoch on
    double lrMinFactor = 0;       // 'cosine': floor as a fraction of the lr

    long long totalSteps() const { return stepsPerEpoch * epochs; }
    double warmupSteps() const { return static_cast<double>(stepsPerEpoch) * warmupEpochs; }
};

/// The schedule of `cfg` for `stepsPerEpoch` optimiser steps per epoch (lr_drop 0 means `epochs`).
LrScheduleSpec lrScheduleFrom(const RunConfig& cfg, long long stepsPerEpoch);

/// The factor for optimiser step `step` (0-based): warmup s / max(1, warmup), then 'step' (1 or 0.1) or
/// 'cosine' (lr_min + (1 - lr_min) * 0.5 * (1 + cos(pi * progress))). Pure; any thread.
double lrFactor(const LrScheduleSpec& spec, long long step);

}  // namespace studio::train
