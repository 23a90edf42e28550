#pragma once
// rfdetr's extended per-class metrics (engine.coco_extended_metrics) for results.json: per class
// AP50:95 and AP50 from the precision table, and precision / recall / F1 at the single confidence
// threshold (swept 0.00..1.00 by 0.01 at IoU 0.50) that maximises the macro-F1 over classes with
// ground truth.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/coco/coco_index.h"
#include "base/eval/coco_eval_types.h"

namespace studio {

struct ClassMetrics {
    std::string name;  // the category's name, or "all"
    std::int64_t categoryId = -1;
    double map50_95 = 0, map50 = 0, precision = 0, recall = 0, f1 = 0;
};

struct ExtendedMetrics {
    std::vector<ClassMetrics>
        perClass;    // classes with ground truth, by category id, then the "all" row
    double map = 0;  // AP50 (stats[1])
    double precision = 0, recall = 0, f1 = 0;
    double confidenceThreshold = 0;  // the threshold that maximised macro-F1
};

/// Needs `result` from an evaluation with keepMatchesAt50 and at least 3 maxDets (uses maxDets[2]).
ExtendedMetrics computeExtendedMetrics(const EvalResult& result,
                                       const std::vector<CocoCategory>& categories);

/// rfdetr's layout: {"class_map": [{"class", "map@50:95", "map@50", "precision", "recall",
/// "f1_score"}...], "map", "precision", "recall", "f1_score"}.
nlohmann::json extendedMetricsToJson(const ExtendedMetrics& metrics);

}  // namespace studio
