#pragma once
// Reads a COCO results file (a JSON array of {"image_id", "category_id", "bbox": [x, y, w, h],
// "score"}, other keys ignored) with a streaming SAX parser, with pycocotools' loadRes rules: every
// element needs image_id, category_id, a 4-number bbox and a score. Problems name the element by
// position.
#include <string>
#include <vector>

#include "base/eval/coco_eval_types.h"
#include "base/util/problem.h"

namespace studio {

/// Loads `path`. Malformed JSON (with line and column) and unusable elements become errors in
/// `problems` (such elements are left out); throws std::runtime_error when the file cannot be read.
/// Any thread.
std::vector<Detection> loadDetectionsJson(const std::string& path, std::vector<Problem>& problems);

/// Writes detections as a COCO results file (atomically).
void saveDetectionsJson(const std::string& path, const std::vector<Detection>& detections);

}  // namespace studio
