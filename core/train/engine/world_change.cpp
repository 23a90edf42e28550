#include "train/engine/world_change.h"

namespace studio::train {

namespace {
int intOf(const nlohmann::json& j, const char* key, int fallback) {
    if (!j.is_object() || !j.contains(key) || !j[key].is_number_integer()) return fallback;
    return j[key].get<int>();
}
std::string product(long long b, long long a, long long n) {
    return std::to_string(b) + " x " + std::to_string(a) + " x " + std::to_string(n) + " = " +
           std::to_string(b * a * n);
}
}  // namespace

long long savedEffectiveBatch(const TrainingState& saved, const RunConfig& fallback) {
    const int b = intOf(saved.config, "batch_size", fallback.batchSize);
    const int a = intOf(saved.config, "grad_accum_steps", fallback.gradAccumSteps);
    return effectiveBatchSize(b, a, std::max(1, saved.worldSize));
}

WorldChange planWorldChange(const TrainingState& saved, const RunConfig& cfg, int world) {
    WorldChange w;
    w.savedWorld = std::max(1, saved.worldSize);
    w.world = std::max(1, world);
    w.savedEffective = savedEffectiveBatch(saved, cfg);
    w.gradAccumSteps = cfg.gradAccumSteps;
    w.effective = effectiveBatchSize(cfg.batchSize, cfg.gradAccumSteps, w.world);
    if (w.savedWorld == w.world && w.savedEffective == w.effective) return w;
    const std::string ranks = "the checkpoint was trained by " + std::to_string(w.savedWorld) +
                              " process(es), this run has " + std::to_string(w.world);
    if (cfg.keepEffectiveBatch && w.savedEffective != w.effective) {
        const long long perAccum = static_cast<long long>(cfg.batchSize) * w.world;
        if (w.savedEffective % perAccum != 0) {
            w.problem = Problem{Severity::Error, "--keep-effective-batch", "true",
                                ranks + ": an effective batch of " + std::to_string(w.savedEffective) +
                                    " is not a multiple of batch_size x processes = " + std::to_string(perAccum),
                                "choose a --batch-size that divides " + std::to_string(w.savedEffective / w.world) +
                                    ", or resume without --keep-effective-batch"};
            return w;
        }
        w.gradAccumSteps = static_cast<int>(w.savedEffective / perAccum);
        w.adjusted = w.gradAccumSteps != cfg.gradAccumSteps;
        w.effective = w.savedEffective;
        w.message = ranks + "; --keep-effective-batch sets grad_accum_steps to " +
                    std::to_string(w.gradAccumSteps) + " (batch " +
                    product(cfg.batchSize, w.gradAccumSteps, w.world) + " images per step, as before)";
        return w;
    }
    if (w.savedEffective == w.effective) {
        w.message = ranks + "; the effective batch stays " + std::to_string(w.effective);
        return w;
    }
    w.message = ranks + ": the effective batch changes from " + std::to_string(w.savedEffective) + " to " +
                product(cfg.batchSize, cfg.gradAccumSteps, w.world) +
                " images per optimiser step (the lr schedule is re-expressed in the new steps); pass "
                "--keep-effective-batch to keep " + std::to_string(w.savedEffective);
    return w;
}

ResumePosition rescalePosition(const TrainingState& saved, long long savedEffective, long long effective,
                               long long stepsPerEpoch) {
    ResumePosition p;
    if (savedEffective == effective || effective <= 0) {
        p.globalStep = saved.globalStep;
        p.stepInEpoch = saved.stepInEpoch;
        return p;
    }
    if (saved.epochComplete) {
        p.stepInEpoch = saved.stepInEpoch;  // ignored: the next epoch starts at 0
        p.globalStep = static_cast<std::int64_t>(saved.epoch + 1) * stepsPerEpoch;
        return p;
    }
    const long long images = saved.stepInEpoch * savedEffective;
    p.stepInEpoch = std::min<long long>(images / effective, std::max(0LL, stepsPerEpoch - 1));
    p.globalStep = static_cast<std::int64_t>(saved.epoch) * stepsPerEpoch + p.stepInEpoch;
    return p;
}

}  // namespace studio::train
