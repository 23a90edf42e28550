#pragma once
// Multi-scale training (rfdetr-spec.md §6.4, §6.7, §6.8): samples are augmented to one square size (the
// largest scale), then every optimiser step resizes the whole batch to a scale chosen by CPython's
// `random.seed(it); random.choice(scales)` — reproduced bit for bit, so runs pick rfdetr's sequence.
#include <vector>

#include "train/data/batch.h"

namespace studio::train {

/// Side of the square the per-sample train transform produces: the largest multi-scale value when
/// multiScale (rfdetr's skip_random_resize), else `resolution`.
int trainSquareSize(int resolution, bool multiScale, bool expandedScales);

/// random.seed(it); random.choice(scales). `scales` must not be empty. Any thread.
int chooseStepScale(long long it, const std::vector<int>& scales);

/// The scale of optimiser step `it` for a run at `resolution` (scales from base/config/model_sizes.h).
int stepScale(long long it, int resolution, bool expandedScales);

/// Resizes batch.images [B,3,S,S] to size x size in place: bilinear, align_corners=False, no antialias
/// (rfdetr's F.interpolate on the normalised batch). Boxes are normalised and do not change. No-op when
/// the batch already has that size. Runs on the tensor's device.
void resizeBatch(Batch& batch, int size);

}  // namespace studio::train
