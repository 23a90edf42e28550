#pragma once
// rfdetr's PostProcess (rfdetr-spec.md §8.2): sigmoid scores, top-k over every (query, class) pair of an
// image, boxes converted to corner coordinates in pixels of the original image. No NMS.
#include <cstdint>
#include <utility>
#include <vector>

#include <ATen/Tensor.h>

#include "train/model/outputs.h"

namespace studio::train {

struct PostProcessed {
    at::Tensor scores;  // [B, S] descending
    at::Tensor labels;  // [B, S] int64 class index (logit column)
    at::Tensor boxes;   // [B, S, 4] x1, y1, x2, y2 in pixels
};

/// `sizesHw` [B, 2] (height, width) of the original images; S = min(numSelect, NQ*K). Any device; no grad.
PostProcessed postProcess(const DetectionOutput& out, const at::Tensor& sizesHw, int64_t numSelect);

struct Detection {
    int64_t label = 0;
    float score = 0;
    float x1 = 0, y1 = 0, x2 = 0, y2 = 0;  // pixels
};

/// Detections of image `index` with score > `threshold`, in descending score order (CPU copies).
std::vector<Detection> detectionsAbove(const PostProcessed& p, int64_t index, double threshold);

}  // namespace studio::train
