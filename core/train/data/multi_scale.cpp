#include "train/data/multi_scale.h"

#include <ATen/ATen.h>

#include <stdexcept>

#include "base/config/model_sizes.h"
#include "train/data/python_random.h"

namespace studio::train {

int trainSquareSize(int resolution, bool multiScale, bool expandedScales) {
    if (!multiScale) return resolution;
    const std::vector<int> scales = multiScaleResolutions(resolution, expandedScales);
    return scales.empty() ? resolution : scales.back();
}

int chooseStepScale(long long it, const std::vector<int>& scales) {
    if (scales.empty()) throw std::invalid_argument("chooseStepScale: no scales");
    PythonRandom rng(it);
    return scales[static_cast<std::size_t>(rng.randbelow(scales.size()))];
}

int stepScale(long long it, int resolution, bool expandedScales) {
    return chooseStepScale(it, multiScaleResolutions(resolution, expandedScales));
}

void resizeBatch(Batch& batch, int size) {
    if (!batch.images.defined() || batch.images.dim() != 4)
        throw std::invalid_argument("resizeBatch: expected images [B, 3, S, S]");
    if (batch.images.size(2) == size && batch.images.size(3) == size) return;
    batch.images = at::upsample_bilinear2d(batch.images, {size, size}, /*align_corners=*/false);
}

}  // namespace studio::train
