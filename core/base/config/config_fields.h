#pragma once
// The field table: for every RunConfig field its JSON key, CLI flag, seed environment variable, help
// text and how to read/write it. config.json, the environment, CLI flags, --help, --dry-run JSON and the
// GUI's tooltips all come from this one table.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/config/run_config.h"

namespace studio {

enum class FieldType { String, Int, Double, Bool, Choice, IntList, Path };

struct ConfigField {
    std::string key;                   // JSON key and canonical name: "batch_size"
    std::string flag;                  // CLI flag: "--batch-size"
    std::vector<std::string> aliases;  // other accepted flags: "--learning-rate"
    std::string envVar;                // seed variable: "BATCH_SIZE" ("" = none)
    std::string group;                 // "Batch and hardware" (help and GUI sections)
    std::string help;                  // one sentence, shown in --help and as GUI tooltip
    std::string example;               // a valid value, used in fix hints
    FieldType type = FieldType::String;
    std::vector<std::string> choices;  // for FieldType::Choice
    bool secret = false;               // printed as "***", never saved
    bool advanced = false;             // collapsed in the GUI

    /// The value as JSON (secrets included: callers decide about masking).
    std::function<nlohmann::json(const RunConfig&)> get;
    /// Sets from text (env var / CLI); returns an error message ("is not a whole number") on failure.
    std::function<std::optional<std::string>(RunConfig&, const std::string&)> setText;
};

/// Every field, in the order --help and the JSON output list them.
const std::vector<ConfigField>& configFields();
/// Lookup by JSON key, CLI flag (with or without dashes, aliases included) or env var.
const ConfigField* findFieldByKey(const std::string& key);
const ConfigField* findFieldByFlag(const std::string& flag);
const ConfigField* findFieldByEnv(const std::string& envVar);
/// Sets a field from a JSON value (config.json); returns an error message on a type mismatch.
std::optional<std::string> setFieldFromJson(const ConfigField& f, RunConfig& cfg, const nlohmann::json& v);

/// The closest known key to `unknown` (edit distance), for "did you mean" hints; "" if none is close.
std::string closestKey(const std::string& unknown);

/// Strict text parsers shared by the config and the CLI (no trailing garbage, finite numbers).
std::optional<long long> parseInteger(const std::string& text);
std::optional<double> parseReal(const std::string& text);
std::optional<bool> parseBool(const std::string& text);

}  // namespace studio
