#pragma once
// Where a validated configuration becomes a training run: launcher mode (spawn one worker per GPU) or
// worker mode (one rank). Called by the train command after validation succeeded.
#include "base/config/config_loader.h"
#include "base/dist/rank_context.h"

namespace studio::train {

/// Runs training; returns the process exit code (0 finished/stopped, 1 failed, 130 interrupted).
int trainFromConfig(const RunConfig& cfg, const Provenance& provenance, const RankContext& rank);

}  // namespace studio::train
