// The train command: resolve the RunConfig from its sources, validate everything at once, then either
// print the plan (--dry-run) or hand over to the training engine.
#include <iostream>

#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include "base/config/config_cli.h"
#include "base/config/validate.h"
#include "base/gpu/nvml.h"
#include "base/util/env.h"
#include "train/cli/commands.h"
#include "train/engine/train_entry.h"

namespace studio::train {

namespace {

ValidationContext hardwareContext(ValidationPurpose purpose) {
    ValidationContext ctx;
    ctx.purpose = purpose;
#ifdef STUDIO_TORCH_CUDA
    // Built with CUDA: whether a GPU is usable is a property of the machine, not of the build
    // (torch::cuda::is_available() is false on a CUDA build without a GPU or driver).
    ctx.cudaBuild = true;
    ctx.gpusAvailable = static_cast<int>(torch::cuda::device_count());
#else
    // A CPU build can still see GPUs through NVML; the message then says the build lacks CUDA.
    ctx.cudaBuild = false;
    ctx.gpusAvailable = Nvml::instance().available() ? Nvml::instance().deviceCount() : 0;
#endif
    return ctx;
}

}  // namespace

int runTrainCommand(const Args& args) {
    TrainCommandLine cl = parseTrainCommandLine(args);
    if (cl.help) {
        std::cout << trainHelpText();
        return kExitOk;
    }
    cl.sources.env = environmentSnapshot();
    LoadedConfig loaded = loadRunConfig(cl.sources);
    std::vector<Problem> problems = cl.problems;
    problems.insert(problems.end(), loaded.problems.begin(), loaded.problems.end());

    RankResolution rank = resolveRankContext(cl.sources.env, cl.rank);
    problems.insert(problems.end(), rank.problems.begin(), rank.problems.end());

    const auto purpose = cl.dryRun ? ValidationPurpose::DryRun : ValidationPurpose::Train;
    auto validation = validateRunConfig(loaded.config, loaded.provenance, hardwareContext(purpose));
    problems.insert(problems.end(), validation.begin(), validation.end());

    if (hasErrors(problems)) {
        std::cerr << "rfdetr-train: the configuration has problems; nothing was started or written.\n"
                  << formatProblems(problems);
        return kExitUsage;
    }
    if (!problems.empty()) std::cerr << formatProblems(problems);

    if (cl.dryRun) {
        nlohmann::json j = runConfigToJson(loaded.config, true, rank.context.nnodes);
        j["world_size"] = rank.context.source == LaunchSource::Single ? processesPerNode(loaded.config)
                                                                      : rank.context.worldSize;
        j["effective_batch_size"] = effectiveBatchSize(loaded.config.batchSize, loaded.config.gradAccumSteps,
                                                       j["world_size"].get<int>());
        std::cout << j.dump(2) << "\n";
        return kExitOk;
    }
    return trainFromConfig(loaded.config, loaded.provenance, rank.context, args);
}

}  // namespace studio::train
