#pragma once
// rfdetr-train's training command line: every RunConfig field as a flag (from the field table), plus
// --config, --dry-run, --help and the rank overrides (--rank, --world-size, ...).
#include <string>
#include <vector>

#include "base/cli/options.h"
#include "base/config/config_loader.h"
#include "base/dist/rank_context.h"

namespace studio {

struct TrainCommandLine {
    ConfigSources sources;  // configJsonPath and flags; the caller adds the environment
    RankOverrides rank;
    bool help = false;
    bool dryRun = false;
    std::vector<std::string> positionals;
    std::vector<Problem> problems;
};

std::vector<OptionSpec> trainOptionSpecs();
TrainCommandLine parseTrainCommandLine(const std::vector<std::string>& args);
/// --help text of the train command: options grouped as in the GUI, with their environment variables.
std::string trainHelpText();

/// Flags that reproduce the non-default fields of `cfg` (secrets excluded), e.g. for logs and the GUI.
std::vector<std::string> toCommandLine(const RunConfig& cfg);

}  // namespace studio
