#include "train/data/synthetic_batch.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>

namespace studio::train {

Batch syntheticBatch(int images, int resolution, int numClassLogits, int boxesPerImage, std::uint64_t seed) {
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(seed);
    Batch b;
    b.images = at::randn({images, 3, resolution, resolution}, g);
    for (int i = 0; i < images; ++i) {
        ImageTargets t;
        at::Tensor centre = at::rand({boxesPerImage, 2}, g) * 0.6 + 0.2;
        at::Tensor size = at::rand({boxesPerImage, 2}, g) * 0.15 + 0.02;
        t.boxes = at::cat({centre, size}, 1);
        t.labels = at::randint(1, std::max(2, numClassLogits), {boxesPerImage}, g, at::kLong);
        b.targets.push_back(t);
        b.imageIds.push_back(i);
        b.origSizes.emplace_back(resolution, resolution);
    }
    return b;
}

}  // namespace studio::train
