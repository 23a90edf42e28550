#pragma once
// What the data loader hands the training loop. Shared contract between core/train/data and
// core/train/engine.
#include <cstdint>
#include <utility>
#include <vector>

#include <ATen/Tensor.h>

#include "train/model/outputs.h"

namespace studio::train {

struct Batch {
    at::Tensor images;                        // [B, 3, S, S] float32, ImageNet-normalised
    std::vector<ImageTargets> targets;        // per image, boxes normalised to the final image size
    std::vector<std::int64_t> imageIds;       // COCO image ids
    std::vector<std::pair<int, int>> origSizes;  // (height, width) of the original images
    double dataWaitMs = 0;                    // time the consumer waited for this batch
};

}  // namespace studio::train
