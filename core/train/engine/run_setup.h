#pragma once
// Everything a training run needs before its first step, built from a validated RunConfig: the dataset
// folder (demo generated, hf: downloaded and prepared, or a COCO folder), its validation (rfdetr's layout,
// a `valid` split, readable images, boxes), the classes, the model (from scratch or fine-tuned from
// --pretrain-weights) and its EMA twin, the loaders and the validators.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "base/config/run_config.h"
#include "base/util/problem.h"
#include "train/engine/trainer.h"

namespace studio::train {

/// Input the run cannot start with (dataset problems, weights of another model, ...): every problem
/// names its file or field and the fix. Exit code 2.
class SetupError : public std::runtime_error {
public:
    SetupError(const std::string& summary, std::vector<Problem> problems)
        : std::runtime_error(summary), m_problems(std::move(problems)) {}
    const std::vector<Problem>& problems() const { return m_problems; }

private:
    std::vector<Problem> m_problems;
};

/// "demo" -> the generated demo folder, "hf:..." -> the prepared Hub folder, else the path itself.
/// Publishes progress events while generating or downloading. Throws SetupError / std::runtime_error.
std::string resolveDatasetFolder(const RunConfig& cfg);

/// The device a run uses: CUDA when asked or (auto) when available, else CPU. On CUDA, local rank r uses
/// gpu_ids[r] (or GPU r when gpu_ids is empty).
c10::Device chooseDevice(const RunConfig& cfg, int localRank = 0);

/// Fills `parts` (model, EMA, criterion, loaders, validators, classes, device) for `cfg` on `datasetFolder`.
/// Validates the dataset first (errors: SetupError listing them). `parts.dist` must be set: the loaders take
/// this rank's shard. `localRank` picks the GPU.
void buildRun(const RunConfig& cfg, const std::string& datasetFolder, TrainerParts& parts, int localRank = 0);

}  // namespace studio::train
