// trainFromConfig: from a validated RunConfig to a finished run folder. Order matters for "nothing lost":
// the folder is locked and checked (another run's checkpoints are refused unless resuming) before anything
// is written; the dataset is resolved and validated before the run's files appear.
#include "train/engine/train_entry.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "base/config/config_loader.h"
#include "base/dist/error_file.h"
#include "base/events/event_writer.h"
#include "base/gpu/gpu_monitor.h"
#include "base/gpu/nvml.h"
#include "base/hf/progress.h"
#include "base/hf/push_model.h"
#include "base/log/log.h"
#include "base/run/run_folder.h"
#include "base/run/oom_advice.h"
#include "base/run/run_lock.h"
#include "base/tb/tensorboard_server.h"
#include "studio_version.h"
#include "train/cli/commands.h"
#include "train/dist/dist_context.h"
#include "train/dist/process_group_dist.h"
#include "train/engine/launch_workers.h"
#include "train/engine/out_of_memory.h"
#include "train/engine/run_control.h"
#include "train/engine/run_outputs.h"
#include "train/engine/run_setup.h"
#include "train/engine/test_hooks.h"
#include "train/engine/world_change.h"
#include "train/io/pth_file.h"

namespace studio::train {

namespace {

namespace fs = std::filesystem;

struct Failure {
    int exitCode;
    std::string code;     // error event code
    std::string message;
    std::string hint;
    nlohmann::json details = nullptr;
};

void publishFailure(const Failure& f, const RankContext& rank) {
    std::cerr << "rfdetr-train: error: " << f.message << "\n";
    if (!f.hint.empty()) std::cerr << "  hint: " << f.hint << "\n";
    if (f.details.is_object() && f.details.contains("command"))
        std::cerr << "  resume with: " << f.details["command"].get<std::string>() << "\n"
                  << "  or, with train_rfdetr_full.sh: " << f.details.value("env", "") << "\n";
    ErrorEvent e;
    e.rank = rank.rank;
    e.code = f.code;
    e.message = f.message;
    e.hint = f.hint;
    e.details = f.details;
    events().publish(e);
    if (!rank.errorFile.empty()) writeTorchElasticErrorFile(rank.errorFile, "RuntimeError", f.message);
    DoneEvent d;
    d.status = "failed";
    d.exitCode = f.exitCode;
    events().publish(d);
}

/// The checkpoint to resume from, or nullopt to start fresh; refuses to write over another run.
std::optional<std::string> resumePath(const RunConfig& cfg) {
    const std::string dir = cfg.outputDir;
    switch (cfg.resumeMode) {
        case ResumeMode::Path:
            if (!fs::is_regular_file(cfg.resumePath))
                throw SetupError("the resume checkpoint does not exist",
                                 {{Severity::Error, "--resume", cfg.resumePath, "no such file",
                                   "give the path of a checkpoint.pth, or --resume auto to pick the newest one"}});
            return cfg.resumePath;
        case ResumeMode::Auto: {
            std::string why;
            if (auto point = findResumePoint(dir, &why)) return point->path;
            logger().info("RESUME_CHECKPOINT=auto: {}; starting a new run", why);
            break;
        }
        case ResumeMode::None:
            break;
    }
    if (!listCheckpoints(dir).empty())
        throw SetupError("the output folder holds another run",
                         {{Severity::Error, "--output-dir", dir,
                           "holds checkpoints of an earlier run that a new run would overwrite",
                           "resume it with --resume auto (RESUME_CHECKPOINT=auto), or choose another --output-dir"}});
    return std::nullopt;
}

/// Events of an earlier attempt that never wrote a checkpoint are kept aside, not mixed into this run's.
void setAsidePreviousEvents(const RunFolder& folder) {
    std::error_code ec;
    if (!fs::exists(folder.eventsJsonl(), ec)) return;
    fs::rename(folder.eventsJsonl(), folder.eventsJsonl() + ".previous", ec);
}

/// This rank's collectives: one process, or the process group of a torchrun / SLURM / launcher world.
std::shared_ptr<DistContext> joinRanks(const RunConfig& cfg, const RankContext& rank) {
    if (!rank.distributed()) return std::make_shared<SingleProcessDist>();
    ProcessGroupOptions o;
    o.timeoutS = cfg.distTimeoutS;
    o.gradCompression = cfg.gradCompression;
    const c10::Device device = chooseDevice(cfg, rank.localRank);
    logger().info("rank {} of {} (local {} of {}, {}): joining the rendezvous on {}:{}", rank.rank, rank.worldSize,
                  rank.localRank, rank.localWorldSize, nameOf(rank.source), rank.masterAddr, rank.masterPort);
    auto dist = std::make_shared<ProcessGroupDist>(rank, device, o);
    logger().info("process group ready: {} ranks over {}{}", rank.worldSize, dist->backendName(),
                  cfg.gradCompression == GradCompression::None
                      ? std::string()
                      : std::string(", gradients all-reduced in ") + nameOf(cfg.gradCompression) +
                            " (half the bytes; --grad-compression none for exact fp32)");
    if (cfg.gradCompression != GradCompression::None && dist->backendName() == "gloo")
        logger().warn("--grad-compression {} over Gloo (CPU ranks) is usually slower than fp32: Gloo sums half "
                      "precision element by element (measured: 2 CPU ranks at 0.56 efficiency instead of 0.82); "
                      "it is meant for NCCL across nodes",
                      nameOf(cfg.gradCompression));
    return dist;
}

int runWorker(const RunConfig& requested, const RankContext& rank) {
    RunConfig cfg = requested;  // grad_accum_steps may follow the checkpoint (--keep-effective-batch)
    auto injectFailures = testHooksFromEnvironment();  // empty unless a test sets one; a bad value stops here
    const RunFolder folder{cfg.outputDir};
    // Only rank 0 owns the folder (lock, config, events, checkpoints); the others train beside it.
    std::optional<RunLock> lock;
    if (rank.isMain()) lock.emplace(cfg.outputDir);  // RunLockedError when another trainer holds it
    setLogger(makeTrainerLogger(rank.rank, folder.logsDir(), cfg.logLevel));
    const std::shared_ptr<DistContext> dist = joinRanks(cfg, rank);
    const std::optional<std::string> resume = resumePath(cfg);
    std::optional<LoadedCheckpoint> checkpoint;
    if (resume) {
        checkpoint = readCheckpointFile(*resume);
        if (checkpoint->state) {
            const WorldChange change = planWorldChange(*checkpoint->state, cfg, rank.worldSize);
            if (change.problem)
                throw SetupError("the effective batch of " + *resume + " cannot be kept", {*change.problem});
            if (!change.message.empty() && rank.isMain()) logger().warn("resume: {}", change.message);
            cfg.gradAccumSteps = change.gradAccumSteps;
        }
        if (checkpoint->state && checkpoint->state->epochComplete && checkpoint->state->epoch + 1 >= cfg.epochs) {
            const int done = checkpoint->state->epoch + 1;
            throw SetupError("nothing left to train",
                             {{Severity::Error, "--epochs", std::to_string(cfg.epochs),
                               *resume + " already completed " + std::to_string(done) + " epoch(s) of this run",
                               "to train longer, set --epochs above " + std::to_string(done) +
                                   "; checkpoint_best_total.pth and results.json are already in " + cfg.outputDir}});
        }
        if (!checkpoint->state && checkpoint->epoch && *checkpoint->epoch + 1 >= cfg.epochs)
            throw SetupError("nothing left to train",
                             {{Severity::Error, "--epochs", std::to_string(cfg.epochs),
                               *resume + " (written by rfdetr) ends at epoch " + std::to_string(*checkpoint->epoch),
                               "set --epochs above " + std::to_string(*checkpoint->epoch + 1)}});
    } else if (rank.isMain()) {
        setAsidePreviousEvents(folder);
    }
    // From here on the run folder is this run's: config.json, the event log (progress of dataset downloads
    // included) and the hello event come first, so a GUI can attach while the data is prepared.
    const int world = dist->worldSize();
    nlohmann::json configJson = runConfigToJson(cfg, true, rank.nnodes);
    if (rank.isMain()) {
        writeConfigJson(folder, configJson, STUDIO_VERSION, world);
        events().mirrorTo(folder.eventsJsonl());
        HelloEvent hello;
        hello.rank = rank.rank;
        hello.world = world;
        hello.pid = ::getpid();
        hello.version = STUDIO_VERSION;
        hello.runDir = fs::absolute(cfg.outputDir).string();
        hello.config = configJson;
        events().publish(hello);
    }
    std::unique_ptr<TensorboardServer> tensorboard;  // stopped when this function returns or throws
    if (cfg.serveTensorboard && rank.isMain()) {
        if (!cfg.tensorboard) logger().warn("--serve-tensorboard with --no-tensorboard: this run writes no scalars");
        tensorboard = serveRunTensorboard(cfg.outputDir, cfg.tensorboardPort);
    }

    // Rank 0 generates or downloads the dataset once; the others then find it prepared.
    std::string dataset;
    if (rank.isMain()) dataset = resolveDatasetFolder(cfg);
    dist->barrier();
    if (!rank.isMain()) dataset = resolveDatasetFolder(cfg);
    TrainerParts parts;
    parts.cfg = cfg;
    parts.dist = dist;
    buildRun(cfg, dataset, parts, rank.localRank);
    // Rank 0 of each node samples that node's GPUs for the plots and the health view (ARCHITECTURE §7).
    std::unique_ptr<GpuMonitor> gpuMonitor;
    if (parts.device.is_cuda() && rank.localRank <= 0) gpuMonitor = std::make_unique<GpuMonitor>(Nvml::instance(), 2.0);

    RunControl control(true, 0);
    parts.control = &control;
    parts.folder = folder;
    parts.resume = std::move(checkpoint);
    parts.configJson = configJson;
    parts.options.studioVersion = STUDIO_VERSION;
    parts.options.logEverySteps = parts.device.is_cuda() ? 10 : 1;
    parts.options.beforeMicroBatch = std::move(injectFailures);
    const std::vector<std::string> classNames = parts.classes.names;
    Trainer trainer(std::move(parts));
    const TrainOutcome outcome = trainer.run();
    gpuMonitor.reset();  // no sample after the final events

    if (outcome.status == TrainStatus::Failed) {
        publishFailure({outcome.exitCode, outcome.errorCode.empty() ? "nonfinite" : outcome.errorCode,
                        outcome.message, outcome.hint, outcome.errorDetails},
                       rank);
        return outcome.exitCode;
    }
    if (cfg.pushToHub && outcome.status != TrainStatus::Stopped && rank.isMain()) {
        hf::PushModelRequest req;
        req.config = cfg;
        req.runDir = cfg.outputDir;
        req.classNames = classNames;
        req.worldSize = world;
        req.progress = hf::combineSinks(hf::eventProgressSink(), hf::terminalProgressSink());
        const auto pushed = hf::pushModelToHub(req);
        logger().info("model published: {}", pushed.url);
    }
    DoneEvent done;
    done.status = nameOf(outcome.status);
    done.exitCode = outcome.exitCode;
    events().publish(done);
    logger().info("training {} after {} optimiser steps; outputs in {}", done.status, outcome.globalStep, cfg.outputDir);
    return outcome.exitCode;
}

}  // namespace

int trainFromConfig(const RunConfig& cfg, const Provenance& /*provenance*/, const RankContext& rank,
                    const std::vector<std::string>& args) {
    if (shouldLaunchWorkers(cfg, rank)) return launchWorkers(cfg, rank, args);
    try {
        return runWorker(cfg, rank);
    } catch (const DistInitError& e) {
        publishFailure({kExitUsage, "dist", e.what(), e.hint()}, rank);
        return kExitUsage;
    } catch (const SetupError& e) {
        // One line per problem: the first in the error (its fix as the hint), any others after it.
        std::string message = e.what();
        std::string hint;
        if (!e.problems().empty()) {
            Problem first = e.problems().front();
            hint = first.fix;
            first.fix.clear();
            message += ": " + first.toString();
        }
        message += " (nothing was trained)";
        publishFailure({kExitUsage, "config", message, hint}, rank);
        if (e.problems().size() > 1)
            std::cerr << formatProblems(std::vector<Problem>(e.problems().begin() + 1, e.problems().end()));
        return kExitUsage;
    } catch (const RunLockedError& e) {
        publishFailure({kExitUsage, "locked", e.what(), ""}, rank);
        return kExitUsage;
    } catch (const ResumeError& e) {
        publishFailure({kExitUsage, "resume", e.what(), "resume with the model size and dataset the run started with"},
                       rank);
        return kExitUsage;
    } catch (const PthError& e) {
        publishFailure({kExitFailure, "io", e.what(),
                        "free disk space or check permissions; the previous checkpoint is unchanged"},
                       rank);
        return kExitFailure;
    } catch (const std::exception& e) {
        // Out of memory outside a training step (model setup, validation): no checkpoint was written for it.
        std::string msg = e.what();
        if (const auto pos = msg.find("\nException raised from"); pos != std::string::npos) msg.resize(pos);
        if (!isOutOfMemory(e)) {
            publishFailure({kExitFailure, "", msg, ""}, rank);
            return kExitFailure;
        }
        OomFacts facts;
        facts.batchSize = cfg.batchSize;
        facts.gradAccumSteps = cfg.gradAccumSteps;
        facts.worldSize = std::max(1, rank.worldSize);
        facts.outputDir = cfg.outputDir;
        facts.device = dynamic_cast<const std::bad_alloc*>(&e) ? "cpu" : "";
        const OomAdvice advice = makeOomAdvice(facts);
        msg = firstLine(msg);
        if (msg == "std::bad_alloc") msg = "out of host memory";
        publishFailure({kExitFailure, "oom", advice.message + " (" + msg + ")", advice.hint, advice.details}, rank);
        return kExitFailure;
    }
}

}  // namespace studio::train
