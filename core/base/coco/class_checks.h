#pragma once
// Checks the categories against rfdetr's class-id convention (and explains it when it bites): no
// classes because every category has supercategory "none", negative or huge ids, gaps that waste
// logits, classes without boxes; and that valid and test use the same categories as train.
#include <vector>

#include "base/coco/capped_problems.h"
#include "base/coco/dataset_report.h"

namespace studio {

/// Ids above this make the classification head absurdly wide: an error, asking to renumber.
inline constexpr std::int64_t kMaxReasonableCategoryId = 10000;

void checkClasses(const CocoDataset& dataset, const std::vector<SplitStats>& summaries,
                  CappedProblems& problems);

}  // namespace studio
