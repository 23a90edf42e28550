#pragma once
// The loaders a training run needs, configured from RunConfig the way rfdetr configures its DataLoaders
// (rfdetr-spec.md §6.4, §6.7-6.9, §8.1):
//   train: batches of batch_size x grad_accum_steps images (one optimiser step; the engine splits them into
//          micro-batches after resizeBatch(batch, stepScale(it, ...))), squares of trainSquareSize(...),
//          rfdetr's augmentation, shuffled per epoch and sharded by rank, tiny-dataset rule;
//   eval:  batches of batch_size images, square resize to the resolution, sequential, sharded, nothing dropped.
#include <memory>

#include "base/coco/coco_index.h"
#include "base/config/run_config.h"
#include "train/data/data_loader.h"

namespace studio::train {

struct LoaderSetup {
    int rank = 0;
    int worldSize = 1;
    bool pinMemory = false;  // set when training on CUDA
    ImageReader reader;      // empty: image files beside the annotation file
};

/// Train loader over `index` (a split's annotations). Throws std::invalid_argument for an empty split.
std::unique_ptr<DataLoader> makeTrainLoader(std::shared_ptr<const CocoIndex> index, const RunConfig& cfg,
                                            const LoaderSetup& setup = {});

/// Eval loader over `index` (valid or test split).
std::unique_ptr<DataLoader> makeEvalLoader(std::shared_ptr<const CocoIndex> index, const RunConfig& cfg,
                                           const LoaderSetup& setup = {});

/// The augmentation for `cfg`: rfdetr's defaults with the square side from the resolution and scales.
TrainAugment trainAugment(const RunConfig& cfg);

}  // namespace studio::train
