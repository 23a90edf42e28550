#pragma once
// The loss terms of one output set given its matches (rfdetr SetCriterion.loss_labels with
// ia_bce_loss, loss_boxes, loss_cardinality; rfdetr-spec.md §5.2-5.4). Everything stays on the
// device.
#include <ATen/Tensor.h>

#include "train/model/outputs.h"

namespace studio::train {

/// The batch's targets on the device: concatenated over images.
struct DeviceTargets {
    at::Tensor boxes;   // [T, 4] cxcywh float32
    at::Tensor labels;  // [T] int64
    at::Tensor counts;  // [B] float32: targets per image (cardinality)
};

/// One set's matched pairs on the device.
struct DeviceMatches {
    at::Tensor
        flatQuery;  // [N] int64: image * NQ + query, a row of logits / boxes viewed [B * NQ, ...]
    at::Tensor target;  // [N] int64: index into DeviceTargets (image offset included)
};

struct SetLosses {
    at::Tensor lossCe, classError, lossBbox, lossGiou,
        cardinalityError;  // 0-dim; classError optional
};

struct SetLossOptions {
    double focalAlpha = 0.25;
    double focalGamma = 2.0;
    bool classError = false;  // the reference logs it for the final layer only
};

/// IA-BCE, L1, GIoU (each summed and divided by numBoxes) and the logging terms for one output set.
/// Safe with zero matches (the box terms are then 0). Any thread; no device synchronisation.
SetLosses computeSetLosses(const DetectionOutput& output, const DeviceTargets& targets,
                           const DeviceMatches& matches, double numBoxes,
                           const SetLossOptions& options);

}  // namespace studio::train
