#pragma once
// `rfdetr-train evaluate --annotations GT.json --detections DT.json [--json]`: COCO bbox evaluation
// of a results file, printed as pycocotools' summarize() prints it (plus AP per category), or as
// JSON
// {"stats": [12 numbers], "per_class": {"<category id>": AP}}.
#include <ostream>
#include <string>
#include <vector>

namespace studio {

/// Runs evaluate: results to `out`, notes and errors to `err`. Returns 0, 1 (unusable input files)
/// or 2 (bad usage).
int runEvaluateCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace studio
