#pragma once
// COCO category names by category id (1..90 with gaps), the labels of the published 91-logit checkpoints.
#include <cstdint>

namespace studio::train {

/// The COCO name of category `id`, or nullptr for ids without a category (0, 12, 26, ...).
const char* cocoClassName(std::int64_t id);

}  // namespace studio::train
