#include "train/engine/trainer.h"

#include <ATen/ATen.h>

#include <cmath>

#include "base/events/event_writer.h"
#include "base/gpu/gpu_identity.h"
#include "base/log/log.h"
#include "base/run/oom_advice.h"
#include "train/cli/batch_preview.h"
#include "train/dist/dist_context.h"
#include "train/dist/model_broadcast.h"
#include "train/engine/optimizer_state.h"
#include "train/engine/out_of_memory.h"
#include "train/engine/param_groups.h"
#include "train/engine/run_control.h"
#include "train/engine/train_args.h"
#include "train/engine/trainer_impl.h"
#include "train/engine/world_change.h"
#include "train/model/model_weights.h"

namespace studio::train {

namespace {
double unixNow() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string describeLosses(const std::map<std::string, double>& l) {
    std::string s;
    for (const char* k : {"total", "ce", "bbox", "giou"}) {
        auto it = l.find(k);
        if (it == l.end()) continue;
        char buf[48];
        std::snprintf(buf, sizeof buf, "%s%s %.4f", s.empty() ? "" : " ", k, it->second);
        s += buf;
    }
    return s;
}
}  // namespace

const char* nameOf(TrainStatus s) {
    switch (s) {
        case TrainStatus::Finished: return "finished";
        case TrainStatus::Stopped: return "stopped";
        case TrainStatus::EarlyStopped: return "early_stopped";
        case TrainStatus::Failed: return "failed";
    }
    return "failed";
}

Trainer::Impl::Impl(TrainerParts parts)
    : p(std::move(parts)),
      earlyStopping(p.cfg.earlyStoppingPatience, p.cfg.earlyStoppingMinDelta, p.cfg.earlyStoppingUseEma),
      best(p.cfg.useEma) {
    if (!p.dist) p.dist = std::make_shared<SingleProcessDist>();
    RFDetrImpl& model = *p.model;
    broadcastModule(*p.dist, model);  // every rank starts from rank 0's weights (a resume loads them again)
    const ModelConfig& mc = model.config();
    std::vector<at::Tensor> params;
    for (const auto& item : model.named_parameters(true)) {
        if (!item.value().requires_grad()) continue;
        paramNames.push_back(item.key());
        params.push_back(item.value());
    }
    const auto groups = buildParamGroups(paramNames, lrRecipeFrom(p.cfg, mc.outFeatureIndexes.back()));
    std::vector<AdamWGroup> adamGroups;
    for (const auto& g : groups) adamGroups.push_back({params[g.paramIndex], g.lr, g.weightDecay});
    optimizer = std::make_unique<AdamW>(std::move(adamGroups));

    if (p.cfg.useEma) {
        if (!p.emaModel) throw std::invalid_argument("Trainer: use_ema needs an EMA model");
        for (auto& t : p.emaModel->parameters()) t.set_requires_grad(false);
        p.emaModel->eval();
        ema = std::make_unique<ModelEma>(modelStateDict(*p.emaModel), modelStateDict(model), p.cfg.emaDecay,
                                         p.cfg.emaTau);
        ema->copyFromModel();
    }

    step.model = &model;
    step.criterion = p.criterion.get();
    step.optimizer = optimizer.get();
    step.ema = ema.get();
    step.dist = p.dist.get();
    step.params = params;
    step.gradSync = p.dist->makeGradientSync(params);  // null with one process
    step.device = p.device;
    step.autocast = p.device.is_cuda() && p.cfg.amp != AmpDtype::Off;
    step.autocastDtype = p.cfg.amp == AmpDtype::Fp16 ? at::kHalf : at::kBFloat16;
    step.microBatch = p.cfg.batchSize;
    step.clipMaxNorm = p.cfg.clipMaxNorm;
    if (p.options.beforeMicroBatch)
        step.beforeMicroBatch = [this](int micro) { p.options.beforeMicroBatch(state.globalStep, micro); };
    p.criterion->setBoxCountReducer([d = p.dist.get()](double local) { return d->averageOverRanks(local); });

    args = trainArgsNamespace(p.cfg, mc, p.classes, p.dist->worldSize());
    facts.modelSize = mc.size ? nameOf(*mc.size) : "";
    facts.numClasses = mc.numClassLogits - 1;
    facts.worldSize = p.dist->worldSize();
    state.seed = p.cfg.seed;
    state.worldSize = p.dist->worldSize();
    state.studioVersion = p.options.studioVersion;
    state.config = p.configJson;

    const long long effective = effectiveBatchSize(p.cfg.batchSize, p.cfg.gradAccumSteps, p.dist->worldSize());
    schedule = lrScheduleFrom(p.cfg, stepsPerEpoch(p.train->numImages(), effective));
    batchesPerEpoch = p.train->batchesPerEpoch();
    if (isMain() && p.train->numImages() < kMinStepsPerEpoch * effective)
        logger().info("{} training images are fewer than {} effective batches of {}: each epoch draws {} batches "
                      "with replacement (rfdetr's rule), and the learning-rate schedule counts those steps",
                      p.train->numImages(), kMinStepsPerEpoch, effective, batchesPerEpoch);
    outputs = std::make_unique<RunOutputs>(p.folder, isMain(), p.cfg.tensorboard);
    if (p.resume) restore(*p.resume);
    optimizer->setLrFactor(lrFactor(schedule, state.globalStep));
}

bool Trainer::Impl::isMain() const { return p.dist->isMain(); }

bool Trainer::Impl::anyRank(bool flag) { return p.dist->anyRank(flag); }

void Trainer::Impl::restore(const LoadedCheckpoint& c) {
    RFDetrImpl& model = *p.model;
    const ModelConfig& mc = model.config();
    try {
        checkCompatible(inspectStateDict(c.model), mc, c.path);
    } catch (const WeightsError& e) {
        throw ResumeError(e.what());
    }
    if (const at::Tensor* bias = findTensor(c.model, "class_embed.bias"); bias && bias->size(0) != mc.numClassLogits)
        throw ResumeError(c.path + " was trained with " + std::to_string(bias->size(0) - 1) +
                          " classes (rfdetr num_classes), but this dataset has " +
                          std::to_string(mc.numClassLogits - 1) +
                          ". Resume only with the dataset the run started with; to train on this dataset start a "
                          "new run with --pretrain-weights " + c.path);
    try {
        loadStateDict(model, c.model, /*strict=*/true);
        if (ema) {
            if (c.ema) {
                loadStateDict(*p.emaModel, *c.ema, true);
            } else {
                logger().warn("{} has no EMA weights: the EMA starts again from the model", c.path);
                ema->copyFromModel();
            }
        }
    } catch (const WeightsError& e) {
        throw ResumeError(c.path + " does not fit this model: " + e.what());
    }
    if (!c.optimizer.isNone()) {
        try {
            optimizerFromPy(*optimizer, c.optimizer);
        } catch (const OptimizerStateError& e) {
            throw ResumeError(c.path + ": " + e.what());
        }
    } else {
        logger().warn("{} has no optimizer state: AdamW starts with fresh moments", c.path);
    }
    if (c.state) {
        state.epoch = c.state->epoch;
        state.epochComplete = c.state->epochComplete;
        state.globalStep = c.state->globalStep;
        state.stepInEpoch = c.state->stepInEpoch;
        state.nonfiniteStreak = c.state->nonfiniteStreak;
        if (ema) ema->setUpdates(c.state->emaUpdates);
        earlyStopping.restore(c.state->earlyStopping);
        best.restore(c.state->bestMetrics);
        restoreRng(c.state->rng);
        // Another world size or accumulation: continue at the same point of the run in the new steps.
        const long long savedEffective = savedEffectiveBatch(*c.state, p.cfg);
        const long long effective = effectiveBatchSize(p.cfg.batchSize, p.cfg.gradAccumSteps, p.dist->worldSize());
        if (savedEffective != effective) {
            const ResumePosition pos = rescalePosition(*c.state, savedEffective, effective, batchesPerEpoch);
            logger().info("resume: {} images per step before, {} now: optimiser step {} -> {}, step in epoch {} -> {}",
                          savedEffective, effective, state.globalStep, pos.globalStep, state.stepInEpoch,
                          pos.stepInEpoch);
            state.globalStep = pos.globalStep;
            state.stepInEpoch = pos.stepInEpoch;
        }
    } else {
        // A checkpoint written by rfdetr: epoch = last completed epoch; the scheduler knows the step.
        state.epoch = static_cast<int>(c.epoch.value_or(-1));
        state.epochComplete = true;
        state.stepInEpoch = 0;
        state.globalStep = c.lrScheduler.isNone() ? (state.epoch + 1) * schedule.stepsPerEpoch
                                                  : schedulerStepFromPy(c.lrScheduler);
    }
    outputs->dropEpochsFrom(state.resumeEpoch());
    logger().info("resumed from {}: epoch {} step {} (optimiser step {})", c.path, state.resumeEpoch(),
                  state.resumeStepInEpoch(), state.globalStep);
}

void Trainer::Impl::publishWindow(int epoch) {
    if (windowSteps == 0) return;
    const double seconds = std::max(1e-9, secondsSince(windowStart));
    const std::vector<double> mean = meter.takeWindowMean(*p.dist);  // averaged over the ranks
    StepEvent e;
    e.epoch = epoch;
    e.step = state.globalStep;
    e.t = unixNow();
    e.lr = baseLr();
    e.loss = layout.eventLosses(mean);
    e.imgsPerS = static_cast<double>(windowImages) * p.dist->worldSize() / seconds;
    e.dataWaitMs = windowDataWaitMs / static_cast<double>(windowSteps);
    e.stepMs = 1000.0 * seconds / static_cast<double>(windowSteps);
    e.rank = p.dist->rank();
    e.stepsPerEpoch = batchesPerEpoch;
    // Node and physical GPU: the health view matches them with the node's `gpu` events (several nodes).
    static const std::string host = localHostName();
    e.host = host;
    e.gpu = p.device.is_cuda() ? physicalGpuIndex(p.device.index()) : -1;
    events().publish(e);  // every rank: the health view shows each rank's step and data-wait times
    if (isMain()) {
        outputs->recordStep(state.globalStep, e.loss, e.lr);
        logger().info("epoch {} step {}/{} (total {}): {} | lr {:.3g} | {:.1f} img/s | data wait {:.1f} ms",
                      epoch, state.stepInEpoch, batchesPerEpoch, state.globalStep, describeLosses(e.loss), e.lr,
                      e.imgsPerS, e.dataWaitMs);
    }
    windowStart = Clock::now();
    windowImages = 0;
    windowDataWaitMs = 0;
    windowSteps = 0;
}

bool Trainer::Impl::onNonfinite(const StepResult& r, int epoch) {
    ++state.nonfiniteStreak;
    const std::vector<double> terms = toHostVector(r.packed);
    const double gradNorm = r.gradNorm.item<double>();
    if (isMain()) {
        ErrorEvent e;
        e.rank = p.dist->rank();
        e.code = "nonfinite";
        e.message = "non-finite loss or gradient at step " + std::to_string(state.globalStep) + " (epoch " +
                    std::to_string(epoch) + "): the step was skipped (" + std::to_string(state.nonfiniteStreak) +
                    " in a row)";
        e.hint = "lower the learning rate (--lr, --lr-encoder) or check the dataset's boxes";
        nlohmann::json losses = nlohmann::json::object();
        for (std::size_t i = 0; i < terms.size() && i < layout.names.size(); ++i)
            losses[layout.names[i]] = std::isfinite(terms[i]) ? nlohmann::json(terms[i]) : nlohmann::json(nullptr);
        e.details = {{"step", state.globalStep},
                     {"epoch", epoch},
                     {"losses", losses},
                     {"grad_norm", std::isfinite(gradNorm) ? nlohmann::json(gradNorm) : nlohmann::json(nullptr)},
                     {"consecutive", state.nonfiniteStreak}};
        events().publish(e);
        logger().warn("{}", e.message);
    }
    return state.nonfiniteStreak >= p.options.maxNonfiniteStreak;
}

void Trainer::Impl::writeBatchPreview(const Batch& batch) {
    if (!isMain()) return;
    const std::string path = p.folder.trainBatchPreview();
    try {
        std::map<std::int64_t, std::string> names;
        for (const auto& c : p.classes.classes) names[c.id] = c.name;
        writePngFile(path, batchPreview(batch, names));
        logger().info("the first batch as the model sees it, with its target boxes: {}", path);
    } catch (const std::exception& e) {  // a picture is not worth a run
        logger().warn("could not write {}: {}", path, e.what());
    }
}

EpochEnd Trainer::Impl::trainEpoch(int epoch, long long firstBatch) {
    state.epoch = epoch;
    state.epochComplete = false;
    state.stepInEpoch = firstBatch;
    meter.resetEpoch();
    p.train->seek(epoch, firstBatch);
    p.model->train();
    windowStart = Clock::now();
    auto lastEvent = Clock::now();
    while (true) {
        if (p.cfg.maxSteps > 0 && state.globalStep >= p.cfg.maxSteps) {
            publishWindow(epoch);
            state.epochComplete = state.stepInEpoch >= batchesPerEpoch;
            return EpochEnd::MaxSteps;
        }
        std::optional<Batch> batch = p.train->next();
        if (!batch) break;
        const long long it = static_cast<long long>(epoch) * schedule.stepsPerEpoch + state.stepInEpoch;
        p.train->prepareStep(*batch, it);
        if (state.globalStep == 0) writeBatchPreview(*batch);
        const StepResult r = trainStep(step, *batch, lrFactor(schedule, state.globalStep), layout);
        if (r.outOfMemory) {
            oomStep = r;
            publishWindow(epoch);
            return EpochEnd::OutOfMemory;
        }
        ++state.globalStep;
        ++state.stepInEpoch;
        windowImages += r.images;
        windowDataWaitMs += batch->dataWaitMs;
        ++windowSteps;
        if (r.finite) {
            meter.add(r.packed);
            state.nonfiniteStreak = 0;
        } else if (onNonfinite(r, epoch)) {
            failure = "the loss was not finite for " + std::to_string(state.nonfiniteStreak) +
                      " optimiser steps in a row (last at step " + std::to_string(state.globalStep) + ")";
            failureHint = "lower the learning rate or check the dataset; the checkpoint holds the last good weights";
            return EpochEnd::Failed;
        }
        // The ranks agree on these in one collective: publishing averages the window's losses over the ranks.
        const std::vector<bool> due = p.dist->anyRankEach(
            {windowSteps >= p.options.logEverySteps || secondsSince(lastEvent) >= p.options.logEverySeconds,
             p.control && p.control->takeCheckpointRequest(), p.control && p.control->stopRequested()});
        if (due[0]) {
            publishWindow(epoch);
            lastEvent = Clock::now();
        }
        if (due[1]) saveLast("requested");
        if (due[2]) {
            publishWindow(epoch);
            state.epochComplete = state.stepInEpoch >= batchesPerEpoch;
            return EpochEnd::Stopped;
        }
    }
    publishWindow(epoch);
    state.epochComplete = true;
    return EpochEnd::Completed;
}

void Trainer::Impl::outOfMemoryOutcome(TrainOutcome& out) {
    // Nothing of the failed step was applied (train_step.cpp), so the state is the last good one.
    saveLast("out of memory");
    OomFacts facts;
    facts.batchSize = p.cfg.batchSize;
    facts.gradAccumSteps = p.cfg.gradAccumSteps;
    facts.worldSize = p.dist->worldSize();
    facts.outputDir = p.folder.root;
    facts.checkpointSaved = true;
    if (oomStep.localOutOfMemory) {
        const DeviceMemoryFacts mem = deviceMemoryFacts(p.device);
        facts.device = mem.device;
        facts.usedBytes = mem.usedBytes;
        facts.totalBytes = mem.totalBytes;
    }
    const OomAdvice advice = makeOomAdvice(facts);
    out.status = TrainStatus::Failed;
    out.exitCode = 1;
    out.errorCode = "oom";
    out.message = advice.message + " at optimiser step " + std::to_string(state.globalStep + 1) +
                  (oomStep.localOutOfMemory ? " (" + oomStep.error + ")" : " (on another rank)");
    out.hint = advice.hint;
    out.errorDetails = advice.details;
    out.errorDetails["step"] = state.globalStep;
    out.errorDetails["rank"] = p.dist->rank();
    out.checkpointSaved = true;
    logger().error("{}", out.message);
}

Trainer::Trainer(TrainerParts parts) : m(std::make_unique<Impl>(std::move(parts))) {}

Trainer::~Trainer() = default;

const TrainingState& Trainer::state() const { return m->state; }

TrainOutcome Trainer::run() {
    Impl& d = *m;
    TrainOutcome out;
    const int startEpoch = d.state.resumeEpoch();
    long long firstBatch = d.state.resumeStepInEpoch();
    for (int epoch = startEpoch; epoch < d.p.cfg.epochs; ++epoch) {
        const auto epochStart = Clock::now();
        const EpochEnd end = d.trainEpoch(epoch, firstBatch);
        firstBatch = 0;
        const double trainSeconds = secondsSince(epochStart);
        if (end == EpochEnd::OutOfMemory) {
            d.outOfMemoryOutcome(out);
            break;
        }
        if (end == EpochEnd::Stopped || end == EpochEnd::Failed) {
            d.saveLast(end == EpochEnd::Stopped ? "stop" : "failure");
            out.status = end == EpochEnd::Stopped ? TrainStatus::Stopped : TrainStatus::Failed;
            out.exitCode = end == EpochEnd::Stopped ? 0 : 1;
            out.message = d.failure;
            out.hint = d.failureHint;
            break;
        }
        const bool lastEpoch = end == EpochEnd::MaxSteps || epoch + 1 == d.p.cfg.epochs;
        const bool earlyStop = d.epochEnd(epoch, d.state.epochComplete, trainSeconds, epochStart) && !lastEpoch;
        if (d.state.epochComplete) ++out.epochsCompleted;
        if (d.p.control && d.anyRank(d.p.control->stopRequested()) && !lastEpoch) {
            out.status = TrainStatus::Stopped;  // requested during validation: the checkpoint is current
            break;
        }
        if (earlyStop) {
            logger().info("early stopping: no improvement above {} for {} evaluations", d.p.cfg.earlyStoppingMinDelta,
                          d.earlyStopping.counter());
            out.status = TrainStatus::EarlyStopped;
            break;
        }
        if (end == EpochEnd::MaxSteps) break;
    }
    if (out.status == TrainStatus::Finished || out.status == TrainStatus::EarlyStopped) d.finish();
    out.globalStep = d.state.globalStep;
    return out;
}

}  // namespace studio::train
