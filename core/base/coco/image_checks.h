#pragma once
// Checks the image files of one split: each exists, is a PNG or JPEG (read from its header, not its
// name), and has the size the annotation file gives. Runs on several threads (the work is I/O
// bound).
#include <cstdint>
#include <vector>

#include "base/coco/capped_problems.h"
#include "base/coco/dataset_report.h"

namespace studio {

struct ImageSize {
    std::int32_t width = 0,
                 height = 0;  // as the loader will decode it (EXIF orientation applied); 0: unknown
};

/// Probes every image of `split`; returns the real sizes (by image position) and fills `stats`.
std::vector<ImageSize> checkImageFiles(const CocoSplit& split, const DatasetCheckOptions& options,
                                       ImageFileStats& stats, CappedProblems& problems);

}  // namespace studio
