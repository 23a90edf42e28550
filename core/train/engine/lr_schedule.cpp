#include "train/engine/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace studio::train {

LrScheduleSpec lrScheduleFrom(const RunConfig& cfg, long long stepsPerEpoch) {
    LrScheduleSpec s;
    s.kind = cfg.lrScheduler;
    s.stepsPerEpoch = std::max(1LL, stepsPerEpoch);
    s.epochs = cfg.epochs;
    s.warmupEpochs = cfg.warmupEpochs;
    s.lrDropEpoch = cfg.lrDrop > 0 ? cfg.lrDrop : cfg.epochs;
    s.lrMinFactor = cfg.lrMinFactor;
    return s;
}

double lrFactor(const LrScheduleSpec& spec, long long step) {
    const double s = static_cast<double>(step);
    const double warmup = spec.warmupSteps();
    if (s < warmup) return s / std::max(1.0, warmup);
    if (spec.kind == LrSchedule::Cosine) {
        const double progress = (s - warmup) / std::max(1.0, static_cast<double>(spec.totalSteps()) - warmup);
        return spec.lrMinFactor + (1.0 - spec.lrMinFactor) * 0.5 * (1.0 + std::cos(M_PI * progress));
    }
    return step < static_cast<long long>(spec.lrDropEpoch) * spec.stepsPerEpoch ? 1.0 : 0.1;
}

}  // namespace studio::train
