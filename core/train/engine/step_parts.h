#pragma once
// The moving parts of one optimiser step built outside the Trainer, the way the Trainer builds them: the
// model and its EMA twin from one seed, AdamW over rfdetr's parameter groups (the recipe of `cfg`), the
// EMA, a one-process DistContext, and the StepContext that trainStep takes. For benchmarks and the GPU
// parity test, which run trainStep directly on their own batches.
#include <memory>
#include <vector>

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include "base/config/run_config.h"
#include "train/dist/dist_context.h"
#include "train/engine/adamw.h"
#include "train/engine/model_ema.h"
#include "train/engine/train_step.h"
#include "train/model/model_config.h"
#include "train/model/rfdetr.h"

namespace studio::train {

struct StepParts {
    RFDetr model{nullptr};
    RFDetr emaModel{nullptr};
    std::unique_ptr<AdamW> optimizer;
    std::unique_ptr<ModelEma> ema;  // null when cfg.useEma is off
    SingleProcessDist dist;
    std::vector<at::Tensor> params;  // trainable, in named_parameters order

    /// Builds the model (weights from at::manual_seed(seed)) on `device` in train mode, the EMA copy,
    /// AdamW with cfg's learning rates and weight decay per parameter group. Caller's thread.
    StepParts(const ModelConfig& mc, const RunConfig& cfg, const c10::Device& device, std::uint64_t seed = 0);

    /// A StepContext over these parts and `criterion` (not owned): bf16 autocast when `autocast` (CUDA
    /// only), micro-batches of cfg.batchSize images, cfg's clipping. Valid while both live.
    StepContext context(SetCriterion& criterion, const c10::Device& device, bool autocast);

private:
    RunConfig m_cfg;
};

}  // namespace studio::train
