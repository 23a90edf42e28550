#pragma once
// Launcher mode of trainFromConfig (ARCHITECTURE §1, issue 7): `--num-gpus N` / `--nproc-per-node N` on a
// process that is not already a rank spawns N workers of this executable with the same arguments and
// torchrun's environment (base/launch/launcher.h), after checking what would make every worker fail.
#include <string>
#include <vector>

#include "base/config/run_config.h"
#include "base/dist/rank_context.h"

namespace studio::train {

/// True when this process should launch workers rather than train itself: several processes per node or
/// several nodes, and no rank of its own (no RANK/WORLD_SIZE from torchrun, SLURM or the command line).
bool shouldLaunchWorkers(const RunConfig& cfg, const RankContext& rank);

/// Runs processesPerNode(cfg) workers of this node (`args` = the train command's arguments) to completion.
/// Returns the exit code: 0, 1 (a worker failed: named with its status and last log lines), 2 (refused
/// before starting: no Gloo/NCCL in this build, output folder in use), 130 (interrupted). Main thread.
int launchWorkers(const RunConfig& cfg, const RankContext& node, const std::vector<std::string>& args);

}  // namespace studio::train
