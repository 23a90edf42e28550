#pragma once
// A small command-line reader for rfdetr-train's subcommands (the trainer has no Qt, so no
// QCommandLineParser). Accepts "--name value", "--name=value", boolean "--name" and "--no-name".
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/util/problem.h"

namespace studio {

struct OptionSpec {
    std::string name;       // "--weights"
    bool takesValue = true;
    std::string valueName;  // "FILE" (help)
    std::string help;
};

struct ParsedOptions {
    std::map<std::string, std::vector<std::string>> values;  // name -> values in order ("true" for flags)
    std::vector<std::string> positionals;
    std::vector<Problem> problems;

    bool has(const std::string& name) const { return values.count(name) > 0; }
    std::optional<std::string> get(const std::string& name) const;
    /// Boolean flag: "--json" / "--json=false" / "--no-json".
    bool flag(const std::string& name) const;
};

/// Parses `args` against `specs`; unknown options and missing values become problems.
ParsedOptions parseOptions(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs);

/// Aligned help lines for `specs`.
std::string formatOptionHelp(const std::vector<OptionSpec>& specs);

/// Wraps `text` at `width` columns with `indent` spaces on continuation lines.
std::string wrapText(const std::string& text, int width, int indent);

}  // namespace studio
