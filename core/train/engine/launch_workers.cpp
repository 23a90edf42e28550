#include "train/engine/launch_workers.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "base/events/event_writer.h"
#include "base/launch/launcher.h"
#include "base/log/log.h"
#include "base/run/run_lock.h"
#include "base/util/env.h"
#include "train/cli/commands.h"
#include "train/dist/process_group_dist.h"
#include "train/engine/run_setup.h"

namespace studio::train {

namespace {

int refuse(const std::string& code, const std::string& message, const std::string& hint) {
    std::cerr << "rfdetr-train: error: " << message << "\n";
    if (!hint.empty()) std::cerr << "  hint: " << hint << "\n";
    ErrorEvent e;
    e.code = code;
    e.message = message;
    e.hint = hint;
    events().publish(e);
    DoneEvent d;
    d.status = "failed";
    d.exitCode = kExitUsage;
    events().publish(d);
    return kExitUsage;
}

std::string selfExecutable() {
    std::error_code ec;
    const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("/proc/self/exe") : p.string();
}

}  // namespace

bool shouldLaunchWorkers(const RunConfig& cfg, const RankContext& rank) {
    if (rank.source == LaunchSource::Torchrun || rank.source == LaunchSource::Slurm) return false;
    if (rank.worldSize > 1) return false;  // --rank/--world-size given: this process is one rank
    return processesPerNode(cfg) > 1 || rank.nnodes > 1;
}

int launchWorkers(const RunConfig& cfg, const RankContext& node, const std::vector<std::string>& args) {
    const int nprocs = processesPerNode(cfg);
    c10::Device device(c10::kCPU);
    try {
        device = chooseDevice(cfg);
    } catch (const SetupError& e) {
        return refuse("config", e.what(), e.problems().empty() ? "" : e.problems().front().fix);
    }
    if (const std::string why = processGroupUnavailableReason(device); !why.empty())
        return refuse("config", why, "train with one process: --num-gpus 1 (NUM_GPUS=1) or --nproc-per-node 1");
    try {
        // Refuse a folder another run holds before starting anybody (node 0 only: on a shared filesystem the
        // other nodes would find rank 0's own lock).
        if (node.nodeRank == 0) RunLock probe(cfg.outputDir);
    } catch (const RunLockedError& e) {
        return refuse("locked", e.what(), "");
    } catch (const std::exception& e) {
        return refuse("io", e.what(), "choose an --output-dir you can write to");
    }

    LaunchSpec spec;
    spec.program = selfExecutable();
    spec.args = {"train"};
    spec.args.insert(spec.args.end(), args.begin(), args.end());
    spec.nprocs = nprocs;
    spec.node = node;
    // One node and no port chosen: pick a free one (two runs on one machine must not collide). Several
    // nodes must agree on it, so it is used as given (MASTER_PORT / --master-port, default 29500).
    const EnvMap env = environmentSnapshot();
    const bool portGiven = envValue(env, "MASTER_PORT").has_value() || node.source == LaunchSource::Cli;
    if (node.nnodes <= 1 && !portGiven) spec.node.masterPort = 0;
    if (!device.is_cuda() && !envValue(env, "OMP_NUM_THREADS")) {
        // N CPU ranks share the cores: one rank with all threads each would oversubscribe them.
        const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        spec.extraEnv["OMP_NUM_THREADS"] = std::to_string(std::max(1, cores / nprocs));
        // OpenBLAS keeps its own pool (one thread per core by default): share the cores the same way.
        if (!envValue(env, "OPENBLAS_NUM_THREADS"))
            spec.extraEnv["OPENBLAS_NUM_THREADS"] = std::to_string(std::max(1, cores / nprocs));
    }
    spec.gracePeriodS = 10.0;
    std::cerr << "rfdetr-train: launching " << nprocs << " " << (device.is_cuda() ? "NCCL (GPU)" : "Gloo (CPU)")
              << " worker(s) on node " << node.nodeRank << " of " << node.nnodes << " (world size "
              << nprocs * std::max(1, node.nnodes) << ", rendezvous " << node.masterAddr << ":"
              << (spec.node.masterPort > 0 ? std::to_string(spec.node.masterPort) : std::string("free port"))
              << ")\n";
    const LaunchResult r = runLauncher(spec);
    // A worker refusing its input (a bad value, a busy port, a precision the backend cannot sum) refuses it on
    // every rank: the launcher exits as a single process would, 2, so scripts tell "fix the input" from "failed".
    if (r.exitCode == 1 && r.failedStatus == kExitUsage) return kExitUsage;
    return r.exitCode;
}

}  // namespace studio::train
