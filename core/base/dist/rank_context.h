#pragma once
// Who this process is in a (possibly multi-node) run: resolved from CLI flags, then torchrun's
// variables, then SLURM's, else a single process (ARCHITECTURE §1, ecosystem.md B.2.1).
#include <optional>
#include <string>
#include <vector>

#include "base/util/env.h"
#include "base/util/problem.h"

namespace studio {

enum class LaunchSource { Cli, Torchrun, Slurm, Launcher, Single };
const char* nameOf(LaunchSource s);

struct RankContext {
    int rank = 0;
    int localRank = 0;
    int worldSize = 1;
    int localWorldSize = 1;
    int nodeRank = 0;
    int nnodes = 1;
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    LaunchSource source = LaunchSource::Single;
    std::string errorFile;  // TORCHELASTIC_ERROR_FILE ("" = none)

    bool distributed() const { return worldSize > 1; }
    bool isMain() const { return rank == 0; }
};

/// Values given on the command line (--rank, --world-size, ...); they win over the environment.
struct RankOverrides {
    std::optional<int> rank, localRank, worldSize, localWorldSize, nodeRank, nnodes, masterPort;
    std::optional<std::string> masterAddr;
    bool any() const {
        return rank || localRank || worldSize || localWorldSize || nodeRank || nnodes || masterPort || masterAddr;
    }
};

struct RankResolution {
    RankContext context;
    std::vector<Problem> problems;
};

/// Resolves the rank context; malformed or inconsistent values are problems naming the variable.
RankResolution resolveRankContext(const EnvMap& env, const RankOverrides& overrides = {});

/// First host of a SLURM node list: "gpu[05-09,12],cpu1" -> "gpu05", "a,b" -> "a", "n1 n2" -> "n1".
std::string slurmFirstHost(const std::string& nodeList);

/// The environment a launcher gives worker `localRank` of `localWorldSize` (torchrun's contract).
EnvMap workerEnvironment(const RankContext& launcher, int localRank, int localWorldSize);

}  // namespace studio
