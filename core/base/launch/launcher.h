#pragma once
// Launcher mode of rfdetr-train (ARCHITECTURE §1): spawns one worker process per GPU (or per CPU rank) with
// torchrun's environment contract, relays rank 0's events and every rank's errors, step and gpu events
// (health view) on its own stdout, forwards
// SIGINT/SIGTERM and stdin commands, and fails fast: when one worker dies, the others are stopped within
// seconds and the launcher exits non-zero naming the rank, its exit status and the last lines of its log.
// Workers die with the launcher (PR_SET_PDEATHSIG), so no orphan survives even a SIGKILL of the launcher.
#include <functional>
#include <string>
#include <vector>

#include "base/dist/rank_context.h"
#include "base/util/env.h"

namespace studio {

struct LaunchSpec {
    std::string program;                   // the worker executable (normally /proc/self/exe)
    std::vector<std::string> args;         // its arguments (argv[1..])
    int nprocs = 1;                        // workers on this node
    RankContext node;                      // node rank, nnodes, master address/port (0 = pick a free port)
    std::vector<std::string> visibleDevices;  // per local rank CUDA_VISIBLE_DEVICES ("" or empty = unchanged)
    EnvMap extraEnv;                       // added to every worker's environment
    double gracePeriodS = 10.0;            // SIGTERM -> SIGKILL delay when stopping the others
    int tailLines = 20;                    // lines of a failed worker's stderr quoted in the error
};

struct LaunchResult {
    int exitCode = 0;          // 0 all finished, 1 a worker failed, 130 interrupted
    int failedRank = -1;
    int failedStatus = 0;      // exit code, or 128 + signal
    std::string message;       // human summary of the failure ("" on success)
};

/// Runs the workers to completion. Writes relayed lines to `out` (stdout) and `err` (stderr) callbacks,
/// which default to the process's stdout/stderr. Blocking; call from the main thread.
LaunchResult runLauncher(const LaunchSpec& spec, std::function<void(const std::string&)> out = {},
                         std::function<void(const std::string&)> err = {});

/// A TCP port on `host` that was free a moment ago (bind to port 0 and read it back).
int findFreePort(const std::string& host = "127.0.0.1");

}  // namespace studio
