#pragma once
// What the RF-DETR model returns and what the criterion consumes (rfdetr-spec.md §2.7).
// Shared contract between core/train/model, core/train/loss and core/train/engine.
#include <optional>
#include <vector>

#include <ATen/Tensor.h>

namespace studio::train {

/// One set of predictions: logits [B, NQ, K] (raw, pre-sigmoid) and boxes [B, NQ, 4] as normalised
/// cx, cy, w, h. NQ = num_queries x groups in training, num_queries at inference.
struct DetectionOutput {
    at::Tensor logits;
    at::Tensor boxes;
};

struct ModelOutput {
    DetectionOutput final;               // last decoder layer (pred_logits / pred_boxes)
    std::vector<DetectionOutput> aux;    // decoder layers 0 .. L-2 (aux_outputs)
    std::optional<DetectionOutput> enc;  // two-stage encoder output (enc_outputs)
    int groups = 1;                      // query groups present in NQ (13 in training, 1 in eval)
};

/// Ground truth of one image: boxes [n, 4] normalised cx, cy, w, h (float32); labels [n] int64 class ids
/// (used directly as logit indices, rfdetr's convention).
struct ImageTargets {
    at::Tensor boxes;
    at::Tensor labels;
};

}  // namespace studio::train
