#pragma once
// validate(): every problem of a resolved RunConfig at once, each naming the field as the user wrote it
// (env var, flag or config.json key), the bad value and the fix.
#include <vector>

#include "base/config/config_loader.h"
#include "base/config/run_config.h"
#include "base/util/env.h"
#include "base/util/problem.h"

namespace studio {

enum class ValidationPurpose {
    Edit,    // GUI: live checks, no filesystem probes of the output folder
    DryRun,  // plan without the hardware: missing GPUs are warnings
    Train,   // about to train: missing GPUs are errors
};

struct ValidationContext {
    ValidationPurpose purpose = ValidationPurpose::Train;
    int gpusAvailable = -1;  // CUDA devices found (-1: unknown, e.g. NVML missing)
    bool cudaBuild = true;   // the trainer binary can use CUDA at all
    const EnvMap* env = nullptr;  // environment for the Hub token lookup (nullptr: the process environment)
};

std::vector<Problem> validateRunConfig(const RunConfig& cfg, const Provenance& provenance,
                                       const ValidationContext& ctx);

/// True for "hf:owner/name" and "hf:owner/name@revision".
bool isHubDatasetSpec(const std::string& dataset);

/// Problems with `dir` as an output folder (not a directory, not writable); empty when usable.
/// Nothing is created.
std::vector<Problem> checkWritableDir(const std::string& dir, const std::string& label);

}  // namespace studio
