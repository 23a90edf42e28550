#pragma once
// `rfdetr-train validate-dataset DIR [--json] [--no-image-check] [--num-queries N]`, as a function
// of its arguments and output streams so it is tested without spawning the trainer.
#include <ostream>
#include <string>
#include <vector>

namespace studio {

/// Runs validate-dataset: the report goes to `out` (text, or JSON with --json), progress and usage
/// errors to `err`. Returns 0 without errors (warnings allowed), 1 with errors, 2 for bad usage.
int runValidateDatasetCli(const std::vector<std::string>& args, std::ostream& out,
                          std::ostream& err);

}  // namespace studio
