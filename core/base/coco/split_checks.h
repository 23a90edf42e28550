#pragma once
// Checks the annotations of one split and counts what it holds: boxes with negative, zero or
// non-finite size, boxes outside their image, repeated annotation ids, pages with more boxes than
// the model has queries, annotations of the dataset-level ("none") category; and the per-split
// summary numbers.
#include <vector>

#include "base/coco/capped_problems.h"
#include "base/coco/dataset_report.h"
#include "base/coco/image_checks.h"

namespace studio {

/// Checks `split` and fills `summary`. `realSizes` (by image position, may be empty) are the
/// decoded sizes from the image checks; without them the annotation file's width/height are used.
void checkSplitAnnotations(const CocoSplit& split, const ClassList& classes,
                           const std::vector<ImageSize>& realSizes,
                           const DatasetCheckOptions& options, SplitStats& summary,
                           CappedProblems& problems);

}  // namespace studio
