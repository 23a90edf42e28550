#pragma once
// Runs N ranks of a ProcessGroupDist as threads of the test process (Gloo on loopback, a free port), so
// multi-process code is tested in seconds without spawning executables (train/dist/thread_ranks.h, shared
// with bench_dist).
#include <functional>
#include <string>
#include <vector>

#include "train/dist/thread_ranks.h"

namespace studio::train::testing {

inline RankContext rankOf(int rank, int world, int port) { return loopbackRank(rank, world, port); }

/// Runs `body(rank, dist)` on `world` threads; returns each rank's exception message ("" = none).
inline std::vector<std::string> runRanks(int world, const std::function<void(int, ProcessGroupDist&)>& body,
                                         const ProcessGroupOptions& options = {}) {
    return runThreadRanks(world, body, options);
}

}  // namespace studio::train::testing
