#pragma once
// One optimiser step (rfdetr's train_one_epoch body, rfdetr-spec.md §6.4): the batch is split into
// grad_accum_steps micro-batches; each runs forward + criterion (under CUDA autocast when enabled) and
// backward of total / A (every micro-batch normalised by its own box count inside the criterion); then the
// gradients are averaged over ranks (with a GradientSync: bucket by bucket during the last backward), clipped by their global L2 norm, and, when loss and gradients are
// finite, AdamW steps with the scheduled lr and the EMA follows. A non-finite step changes no weights.
// One host synchronisation per step (the finiteness flag); loss values stay on the device.
// Out of memory during forward/backward (any rank) discards the step's partial gradients: the weights, the
// optimiser and the EMA stay as they were after the previous step, and the result says so.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include "train/data/batch.h"
#include "train/engine/adamw.h"
#include "train/engine/loss_log.h"
#include "train/engine/model_ema.h"
#include "train/loss/set_criterion.h"
#include "train/model/rfdetr.h"

namespace studio::train {

class DistContext;
class GradientSync;

/// The parts of one optimiser step, in order (micro-batches repeat forward .. backward).
enum class StepPhase {
    Data,       // batch to the device
    Forward,    // model forward
    Criterion,  // matching and losses
    Backward,
    Gradients,  // gradient all-reduce, clipping, the finiteness check (the step's one synchronisation)
    Optimizer,  // AdamW step and zeroing the gradients
    Ema,
};
constexpr int kStepPhaseCount = 7;
/// "data", "forward", ... (benchmark column names).
const char* nameOf(StepPhase phase);

/// Sees each phase of trainStep end, for benchmarks (the trainer passes none). An implementation may
/// synchronise the device to time the phase. Training thread.
class StepPhaseObserver {
public:
    virtual ~StepPhaseObserver() = default;
    virtual void phaseEnded(StepPhase phase) = 0;
};

struct StepContext {
    RFDetrImpl* model = nullptr;
    SetCriterion* criterion = nullptr;
    AdamW* optimizer = nullptr;
    ModelEma* ema = nullptr;               // null without EMA
    DistContext* dist = nullptr;
    std::shared_ptr<GradientSync> gradSync;  // overlapped all-reduce (dist->makeGradientSync); null: synchronous
    std::vector<at::Tensor> params;        // trainable parameters (clipping, gradient sync)
    c10::Device device = c10::Device(c10::kCPU);
    bool autocast = false;                 // CUDA autocast (bf16 / fp16)
    c10::ScalarType autocastDtype = c10::ScalarType::BFloat16;
    int microBatch = 4;                    // images per micro-batch (batch_size)
    double clipMaxNorm = 0.1;
    std::function<void(int microBatch)> beforeMicroBatch;  // tests only: inject failures (e.g. out of memory)
    StepPhaseObserver* phases = nullptr;   // benchmarks only; null: no timing, no extra synchronisation
};

struct StepResult {
    bool finite = true;
    at::Tensor packed;      // raw loss terms averaged over the micro-batches (device, detached)
    at::Tensor gradNorm;    // global norm before clipping (device)
    int images = 0;
    int microBatches = 0;
    bool outOfMemory = false;       // some rank ran out of memory in forward/backward; nothing was updated
    bool localOutOfMemory = false;  // ... this rank did
    std::string error;              // this rank's out-of-memory message (first line)
};

/// Runs one optimiser step on `batch` with the lr factor of this step. Fills `layout` on first use.
/// Out of memory in forward/backward is reported in the result (every rank agrees), anything else is thrown
/// (bad shapes; out of memory while clipping or updating). Training thread.
StepResult trainStep(StepContext& ctx, const Batch& batch, double lrFactor, LossLayout& layout);

/// The images [first, first + count) of a batch with their targets (views, no copies).
Batch sliceBatch(const Batch& batch, int first, int count);

}  // namespace studio::train
