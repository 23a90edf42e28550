#include "train/engine/train_step.h"

#include <ATen/ATen.h>
#include <torch/autograd.h>

#include <algorithm>
#include <limits>

#include "train/dist/dist_context.h"
#include "train/engine/autocast.h"
#include "train/engine/grad_clip.h"
#include "train/engine/out_of_memory.h"

namespace studio::train {

namespace {
inline void phaseEnded(StepContext& ctx, StepPhase phase) {
    if (ctx.phases) ctx.phases->phaseEnded(phase);
}
}  // namespace

const char* nameOf(StepPhase phase) {
    switch (phase) {
        case StepPhase::Data: return "data";
        case StepPhase::Forward: return "forward";
        case StepPhase::Criterion: return "criterion";
        case StepPhase::Backward: return "backward";
        case StepPhase::Gradients: return "gradients";
        case StepPhase::Optimizer: return "optimizer";
        case StepPhase::Ema: return "ema";
    }
    return "?";
}

Batch sliceBatch(const Batch& batch, int first, int count) {
    Batch b;
    b.images = batch.images.narrow(0, first, count);
    b.targets.assign(batch.targets.begin() + first, batch.targets.begin() + first + count);
    if (static_cast<int>(batch.imageIds.size()) >= first + count)
        b.imageIds.assign(batch.imageIds.begin() + first, batch.imageIds.begin() + first + count);
    if (static_cast<int>(batch.origSizes.size()) >= first + count)
        b.origSizes.assign(batch.origSizes.begin() + first, batch.origSizes.begin() + first + count);
    return b;
}

StepResult trainStep(StepContext& ctx, const Batch& batch, double lrFactor, LossLayout& layout) {
    StepResult r;
    const int n = static_cast<int>(batch.images.size(0));
    const int micro = std::max(1, ctx.microBatch);
    const int accum = (n + micro - 1) / micro;
    r.images = n;
    r.microBatches = accum;
    at::Tensor images;
    at::Tensor packedSum, totalSum;
    bool outputsFinite = true;
    int reduced = 0;  // micro-batches whose criterion ran (each reduces its box count over the ranks)
    try {
        images = batch.images.to(ctx.device, /*non_blocking=*/true);
        phaseEnded(ctx, StepPhase::Data);
        for (int a = 0; a < accum && outputsFinite; ++a) {
            if (ctx.beforeMicroBatch) ctx.beforeMicroBatch(a);
            const int first = a * micro;
            const int count = std::min(micro, n - first);
            const Batch part = sliceBatch(batch, first, count);
            LossResult losses;
            try {
                AutocastScope autocast(ctx.autocast, ctx.autocastDtype);
                const ModelOutput out = ctx.model->forward(images.narrow(0, first, count));
                phaseEnded(ctx, StepPhase::Forward);
                losses = (*ctx.criterion)(out, part.targets);
                ++reduced;
                phaseEnded(ctx, StepPhase::Criterion);
            } catch (const MatchingError& e) {
                // The matcher refuses NaN / inf predictions: a non-finite step like any other. The other ranks
                // still reduce one box count per micro-batch: take part in theirs so the collectives stay paired.
                outputsFinite = false;
                for (int rest = a; rest < accum && ctx.dist->worldSize() > 1; ++rest) ctx.dist->sumOverRanks(0.0);
                break;
            }
            if (layout.names.empty()) {
                layout.names = losses.names;
                layout.weights = losses.weights;
            }
            // Only the last micro-batch communicates: its backward starts each bucket's all-reduce when ready.
            if (ctx.gradSync && a == accum - 1) ctx.gradSync->armForLastBackward();
            // rfdetr scales every micro-batch by 1 / grad_accum_steps (the configured count).
            (losses.total / static_cast<double>(accum)).backward();
            phaseEnded(ctx, StepPhase::Backward);
            const at::Tensor packed = losses.packed();
            const at::Tensor total = losses.total.detach().to(at::kFloat);
            packedSum = packedSum.defined() ? packedSum + packed : packed;
            totalSum = totalSum.defined() ? totalSum + total : total;
        }
    } catch (const std::exception& e) {
        if (!isOutOfMemory(e)) throw;
        r.localOutOfMemory = true;
        r.error = firstLine(e.what());
        // Keep the other ranks' per-micro-batch box-count reductions paired, as for a non-finite step.
        for (int rest = reduced; rest < accum && ctx.dist->worldSize() > 1; ++rest) ctx.dist->sumOverRanks(0.0);
    }
    // Every rank completes the overlapped all-reduce here, whatever happened, so the collectives stay paired.
    if (ctx.gradSync) ctx.gradSync->finish();
    // Every rank learns about an out-of-memory before the gradient all-reduce, so all stop at the same step.
    r.outOfMemory = ctx.dist->anyRank(r.localOutOfMemory);
    if (r.outOfMemory) {
        ctx.optimizer->zeroGrad();  // the failed step's partial gradients are discarded
        return r;
    }
    if (!outputsFinite) {
        const auto terms = static_cast<int64_t>(std::max<std::size_t>(1, layout.names.size()));
        packedSum = at::full({terms}, std::numeric_limits<float>::quiet_NaN(), at::device(ctx.device));
        totalSum = at::full({}, std::numeric_limits<float>::quiet_NaN(), at::device(ctx.device));
    }
    r.packed = packedSum / static_cast<double>(accum);
    if (!ctx.gradSync) ctx.dist->averageGradients(ctx.params);
    r.gradNorm = clipGradNorm(ctx.params, ctx.clipMaxNorm);
    const bool localFinite = at::logical_and(at::isfinite(totalSum), at::isfinite(r.gradNorm)).item<bool>();
    r.finite = !ctx.dist->anyRank(!localFinite);  // every rank skips the same steps
    phaseEnded(ctx, StepPhase::Gradients);
    if (r.finite) {
        ctx.optimizer->setLrFactor(lrFactor);
        ctx.optimizer->step();
        phaseEnded(ctx, StepPhase::Optimizer);
        if (ctx.ema) ctx.ema->update();
        phaseEnded(ctx, StepPhase::Ema);
    }
    ctx.optimizer->zeroGrad();
    phaseEnded(ctx, StepPhase::Optimizer);
    return r;
}

}  // namespace studio::train
