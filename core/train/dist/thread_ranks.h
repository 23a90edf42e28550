#pragma once
// N ranks of a ProcessGroupDist as threads of one process (Gloo on loopback, a free port): the tests and
// bench_dist exercise multi-process code in seconds without spawning executables.
#include <functional>
#include <string>
#include <vector>

#include "base/dist/rank_context.h"
#include "train/dist/process_group_dist.h"

namespace studio::train {

/// Rank `rank` of `world` on 127.0.0.1:`port` (one node).
RankContext loopbackRank(int rank, int world, int port);

/// Runs `body(rank, dist)` on `world` threads, each with its own CPU process group; returns each rank's
/// exception message ("" = none). Blocks until all threads ended. Main thread.
std::vector<std::string> runThreadRanks(int world, const std::function<void(int, ProcessGroupDist&)>& body,
                                        const ProcessGroupOptions& options = {});

}  // namespace studio::train
