#pragma once
// A picture of a training batch as the model receives it: the images after augmentation and resizing, with
// their target boxes — the first thing to look at when a model does not learn (boxes that miss their
// objects, labels that name the wrong class, images that are all crop). The trainer writes one for the
// first step of a run (train_batch0.png in the run folder).
#include <cstdint>
#include <map>
#include <string>

#include "train/cli/image_file.h"
#include "train/data/batch.h"

namespace studio::train {

/// The first `maxImages` images of `batch` in a grid (as square as possible, a 4 px gap), ImageNet
/// normalisation undone, each target box outlined in its class colour and captioned with
/// `labelNames[label]` (labels are category ids; the number when the map has no such entry) where the caption
/// fits the box's width and the image is at least 128 px wide. Caller's thread.
RgbImage batchPreview(const Batch& batch, const std::map<std::int64_t, std::string>& labelNames, int maxImages = 16);

}  // namespace studio::train
