// The trainer's work between epochs and at the end: checkpoints (last, periodic, best), validation of the
// regular and EMA weights, log.txt / TensorBoard / events, early stopping, best_total and results.json.
#include <filesystem>

#include "base/events/event_writer.h"
#include "base/log/log.h"
#include "train/dist/dist_context.h"
#include "train/dist/model_broadcast.h"
#include "train/engine/trainer_impl.h"
#include "train/model/model_weights.h"

namespace studio::train {

namespace {
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void publishCheckpoint(const std::string& path, CheckpointKind kind, const TrainingState& s, bool hasEma) {
    CheckpointEvent e;
    e.epoch = s.completedEpoch();
    e.step = s.globalStep;
    e.path = std::filesystem::path(path).filename().string();
    e.hasEma = hasEma;
    e.kind = nameOf(kind);
    events().publish(e);
}
}  // namespace

void Trainer::Impl::captureState() {
    if (ema) state.emaUpdates = ema->updates();
    state.loader = p.train->position();
    state.earlyStopping = earlyStopping.toJson();
    state.bestMetrics = best.toJson();
    state.rng = captureRng();
}

void Trainer::Impl::saveLast(const char* why) {
    captureState();
    if (!isMain()) return;
    const NamedTensors model = modelStateDict(*p.model);
    NamedTensors emaWeights;
    if (ema) emaWeights = modelStateDict(*p.emaModel);
    CheckpointParts parts;
    parts.model = &model;
    parts.ema = ema ? &emaWeights : nullptr;
    parts.optimizer = optimizer.get();
    parts.state = &state;
    parts.args = args;
    const auto t0 = Clock::now();
    writeCheckpointFile(p.folder.checkpoint(), checkpointToPy(parts), CheckpointKind::Last, facts);
    logger().info("checkpoint written ({}): {} at epoch {} step {} ({:.1f} s)", why, p.folder.checkpoint(),
                  state.epoch, state.globalStep, secondsSince(t0));
    publishCheckpoint(p.folder.checkpoint(), CheckpointKind::Last, state, ema != nullptr);
}

void Trainer::Impl::savePeriodic(int epoch) {
    if (!isMain()) return;
    const int interval = std::max(1, p.cfg.checkpointInterval);
    const int lrDrop = schedule.lrDropEpoch > 0 ? schedule.lrDropEpoch : p.cfg.epochs;
    if ((epoch + 1) % interval != 0 && (epoch + 1) % lrDrop != 0) return;
    const std::string path = p.folder.periodic(epoch);
    copyCheckpointFile(p.folder.checkpoint(), path, CheckpointKind::Periodic);
    publishCheckpoint(path, CheckpointKind::Periodic, state, ema != nullptr);
}

void Trainer::Impl::saveBest(CheckpointKind kind, RFDetr& weights) {
    if (!isMain()) return;
    const NamedTensors model = modelStateDict(*weights);
    CheckpointParts parts;
    parts.model = &model;
    parts.optimizer = optimizer.get();
    parts.state = &state;
    parts.args = args;
    parts.withStudioState = false;
    const std::string path = kind == CheckpointKind::BestEma ? p.folder.bestEma() : p.folder.bestRegular();
    writeCheckpointFile(path, checkpointToPy(parts), kind, facts);
    publishCheckpoint(path, kind, state, false);
}

EvalOutcome Trainer::Impl::evaluate(RFDetr& model, bool isEma, int epoch) {
    model->eval();
    EvalOutcome e = p.validator->evaluate(*model, *p.criterion);
    if (!isEma) model->train();
    if (layout.names.empty()) {
        layout.names = e.lossNames;
        layout.weights = e.lossWeights;
    }
    if (isMain()) {
        EvalEvent ev;
        ev.epoch = epoch;
        ev.ema = isEma;
        ev.map5095 = e.stats[0];
        ev.map50 = e.stats[1];
        ev.stats.assign(e.stats.begin(), e.stats.end());
        ev.perClass = e.perClassMap;
        LossLayout evalLayout{e.lossNames, e.lossWeights};
        ev.loss = evalLayout.eventLosses(e.losses);
        events().publish(ev);
        logger().info("epoch {} validation ({}) on {}: mAP50:95 {:.4f}  mAP50 {:.4f}  ({} images, {:.1f} s)", epoch,
                      isEma ? "EMA" : "regular", p.validator->splitName(), e.stats[0], e.stats[1], e.images,
                      e.seconds);
    }
    return e;
}

bool Trainer::Impl::epochEnd(int epoch, bool complete, double trainSeconds, Clock::time_point epochStart) {
    const int interval = std::max(1, p.cfg.evalInterval);
    const bool evalDue =
        p.validator && (!complete || (epoch + 1) % interval == 0 || epoch + 1 == p.cfg.epochs);
    bool stop = false;
    EpochRecord record;
    record.epoch = epoch;
    record.train = layout.logKeys(meter.epochMean(*p.dist), "train_");
    record.lr = baseLr();
    record.nParameters = p.model->parameterCount();
    if (evalDue) {
        lastRegular = evaluate(p.model, false, epoch);
        if (best.offer(lastRegular->map5095(), epoch, false)) saveBest(CheckpointKind::BestRegular, p.model);
        record.regular = lastRegular;
        if (ema) {
            lastEma = evaluate(p.emaModel, true, epoch);
            if (best.offer(lastEma->map5095(), epoch, true)) saveBest(CheckpointKind::BestEma, p.emaModel);
            record.ema = lastEma;
        }
        const bool triggered = earlyStopping.update(lastRegular->map5095(),
                                                    lastEma ? std::optional(lastEma->map5095()) : std::nullopt);
        stop = p.cfg.earlyStopping && triggered;
    }
    record.bestSummary = best.summary();
    record.trainSeconds = trainSeconds;
    record.epochSeconds = secondsSince(epochStart);
    outputs->recordEpoch(record);
    // Saved after validation so that the early-stopping and best-mAP state of this epoch survive a resume.
    saveLast(complete ? "end of epoch" : "end of training");
    if (complete) savePeriodic(epoch);
    return stop;
}

void Trainer::Impl::finish() {
    p.dist->barrier();
    if (isMain()) writeBestTotal();
    // The test split is sharded like validation: every rank evaluates rank 0's best weights.
    std::optional<nlohmann::json> test;
    if (p.testValidator) {
        RFDetr& target = ema ? p.emaModel : p.model;
        if (isMain()) loadStateDict(*target, readCheckpointFile(p.folder.bestTotal()).model, true);
        broadcastModule(*p.dist, *target);
        target->eval();
        const EvalOutcome t = p.testValidator->evaluate(*target, *p.criterion);
        if (isMain())
            logger().info("test split ({} images) with the best weights: mAP50:95 {:.4f}  mAP50 {:.4f}", t.images,
                          t.stats[0], t.stats[1]);
        test = t.resultsJson;
    }
    if (!isMain()) return;
    const bool emaBest = best.bestIsEma();
    const std::optional<EvalOutcome>& chosen = emaBest && lastEma ? lastEma : lastRegular;
    if (chosen) outputs->writeResults(chosen->resultsJson, test);
    outputs->flush();
}

void Trainer::Impl::writeBestTotal() {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::string source;
    const bool emaBest = best.bestIsEma();
    if (emaBest && fs::exists(p.folder.bestEma(), ec)) source = p.folder.bestEma();
    else if (fs::exists(p.folder.bestRegular(), ec)) source = p.folder.bestRegular();
    else if (fs::exists(p.folder.bestEma(), ec)) source = p.folder.bestEma();
    if (source.empty()) {
        // No evaluation ever beat mAP 0 (or none ran): the final weights, EMA when there is one.
        logger().warn("no best checkpoint (no validation reached a mAP above 0): checkpoint_best_total.pth holds "
                      "the final {} weights", ema ? "EMA" : "regular");
        const NamedTensors model = modelStateDict(ema ? *p.emaModel : *p.model);
        CheckpointParts parts;
        parts.model = &model;
        parts.args = args;
        PyValue root = checkpointToPy(parts);
        writeCheckpointFile(p.folder.bestTotal(), root, CheckpointKind::BestTotal, facts);
    } else {
        writeStrippedCheckpoint(source, p.folder.bestTotal(), facts);
    }
    publishCheckpoint(p.folder.bestTotal(), CheckpointKind::BestTotal, state, false);
    logger().info("best weights: {} -> {}", source.empty() ? "final weights" : source, p.folder.bestTotal());
}

}  // namespace studio::train
