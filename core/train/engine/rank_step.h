#pragma once
// One rank's plain optimiser step for tests and benchmarks that run ranks as threads (train/dist/
// thread_ranks.h) or as one process: rank 0's weights broadcast to every rank, the real criterion (one
// matcher thread, box count averaged over the ranks), AdamW with one lr and weight decay 1e-4 on every
// trainable parameter, gradient clipping at 0.1, no EMA, and the StepContext that trainStep takes. The
// Trainer builds its own (rfdetr's parameter groups, schedule, EMA); StepParts (step_parts.h) is the
// one-process version of that.
#include <memory>
#include <vector>

#include <ATen/Tensor.h>

#include "train/dist/dist_context.h"
#include "train/engine/adamw.h"
#include "train/engine/train_step.h"
#include "train/loss/set_criterion.h"
#include "train/model/rfdetr.h"

namespace studio::train {

class OverlappedGradSync;

struct RankStepOptions {
    double lr = 1e-4;     // every parameter's lr (no schedule: the factor passed to step is 1)
    int microBatch = 4;   // images per micro-batch: batch / microBatch = grad_accum_steps
    bool overlap = true;  // gradient all-reduce overlapped with backward (dist.makeGradientSync); else after it
    c10::Device device = c10::Device(c10::kCPU);  // where the model lives (batches are moved there)
    bool autocast = false;                          // CUDA bf16 autocast, as the trainer's default
};

class RankStep {
public:
    /// Broadcasts rank 0's weights of `model` over `dist` (a collective: every rank calls it), puts the model
    /// in train mode and builds criterion, AdamW and context. `dist` and `model` must outlive this. Rank's thread.
    RankStep(DistContext& dist, RFDetrImpl& model, const RankStepOptions& options);
    RankStep(const RankStep&) = delete;
    RankStep& operator=(const RankStep&) = delete;

    /// One optimiser step on `batch` (lr factor 1); fills `layout` on first use. Rank's thread.
    StepResult step(const Batch& batch, LossLayout& layout);

    /// The trainable parameters, in parameters() order (updated in place by step).
    const std::vector<at::Tensor>& params() const { return m_context.params; }
    /// The overlapped gradient sync of a multi-rank group with options.overlap; null otherwise.
    OverlappedGradSync* overlappedSync() const;

private:
    SetCriterion m_criterion;
    std::unique_ptr<AdamW> m_optimizer;
    StepContext m_context;
};

}  // namespace studio::train
