#pragma once
// The data as the training loop consumes it. The loader (core/train/data) implements these through a small
// adapter; tests use synthetic sources. One optimiser step consumes one TrainBatchSource batch of
// batch_size x grad_accum_steps images (rfdetr's DataLoader batch, rfdetr-spec.md §6.4, §6.9).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/coco/coco_index.h"
#include "train/data/batch.h"

namespace studio::train {

class TrainBatchSource {
public:
    virtual ~TrainBatchSource() = default;

    /// Images in the train split (the schedule counts ceil(images / effective batch) steps per epoch).
    virtual long long numImages() const = 0;
    /// Batches this rank yields per epoch (drop_last; rfdetr's tiny-dataset rule included).
    virtual long long batchesPerEpoch() const = 0;
    /// Positions the source at batch `batch` of `epoch` (0 = the epoch's start; more when resuming mid-epoch).
    /// The batch order depends only on (seed, epoch, rank), never on timing.
    virtual void seek(int epoch, long long batch) = 0;
    /// The next batch of the epoch, or nullopt when it is over. Blocks while the loader prepares it.
    virtual std::optional<Batch> next() = 0;
    /// Applies the per-step transform for optimiser step `it` (multi-scale batch resize, §6.4).
    virtual void prepareStep(Batch& batch, long long it) { (void)batch, (void)it; }
    /// The loader's own position record, saved in checkpoints (informational: seek() restores position).
    virtual nlohmann::json position() const { return nlohmann::json::object(); }
};

class EvalBatchSource {
public:
    virtual ~EvalBatchSource() = default;

    /// Starts a pass over the split from its first image (this rank's shard, no drop).
    virtual void rewind() = 0;
    /// The next batch, or nullopt at the end of the pass.
    virtual std::optional<Batch> next() = 0;
    /// The split's annotations (ground truth of the COCO evaluation).
    virtual const CocoIndex& groundTruth() const = 0;
    /// The split's name as logs show it ("valid", "test").
    virtual std::string name() const = 0;
};

}  // namespace studio::train
