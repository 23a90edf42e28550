#pragma once
// Where a validated configuration becomes a training run: launcher mode (spawn one worker per GPU) or
// worker mode (one rank). Called by the train command after validation succeeded.
#include <string>
#include <vector>

#include "base/config/config_loader.h"
#include "base/dist/rank_context.h"

namespace studio::train {

/// Runs training; returns the process exit code (0 finished/stopped, 1 failed, 2 refused, 130 interrupted).
/// Several processes per node without a rank of its own: launches workers of this executable with `args`
/// (the train command's arguments). Main thread.
int trainFromConfig(const RunConfig& cfg, const Provenance& provenance, const RankContext& rank,
                    const std::vector<std::string>& args = {});

}  // namespace studio::train
