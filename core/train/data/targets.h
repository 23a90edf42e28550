#pragma once
// Sample annotations -> the model's targets (train/model/outputs.h ImageTargets): boxes as normalised
// cx, cy, w, h (float32, rfdetr's Normalize: box_xyxy_to_cxcywh / [w, h, w, h]) and int64 labels.
#include "train/data/sample_transforms.h"
#include "train/model/outputs.h"

namespace studio::train {

/// Targets for boxes given in pixels of a size x size image. Any thread.
ImageTargets makeTargets(const Annotations& annotations, int size);

}  // namespace studio::train
