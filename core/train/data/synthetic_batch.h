#pragma once
// A batch of random images and boxes, for probes, benchmarks and tests that need the shape of real
// training data but not its content.
#include <cstdint>

#include "train/data/batch.h"

namespace studio::train {

/// `images` random normal images at `resolution`, each with `boxesPerImage` random boxes (cxcywh,
/// centres in 0.2..0.8, sides 0.02..0.17) labelled in [1, max(2, numClassLogits)), from its own
/// generator seeded with `seed` (the same seed gives the same batch).
Batch syntheticBatch(int images, int resolution, int numClassLogits, int boxesPerImage, std::uint64_t seed);

}  // namespace studio::train
