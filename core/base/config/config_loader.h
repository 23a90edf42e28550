#pragma once
// Resolves a RunConfig from its sources, lowest to highest precedence:
// defaults -> config.json -> the seed's environment variables -> CLI flags (ARCHITECTURE §3).
// Remembers where each field came from so that problems name what the user actually wrote.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/config/run_config.h"
#include "base/util/problem.h"

namespace studio {

enum class SourceKind { Default, ConfigJson, Env, Flag, Gui };

struct FieldOrigin {
    SourceKind kind = SourceKind::Default;
    std::string name;  // "BATCH_SIZE", "--batch-size", "config.json: batch_size"
};

/// key -> where its value came from (absent = default).
using Provenance = std::map<std::string, FieldOrigin>;

struct ConfigSources {
    std::string configJsonPath;                               // "" = none
    std::map<std::string, std::string> env;                   // environment snapshot
    std::vector<std::pair<std::string, std::string>> flags;   // ("--batch-size", "16"), in order
};

struct LoadedConfig {
    RunConfig config;
    Provenance provenance;
    std::vector<Problem> problems;  // parse problems (type errors, unknown keys); validate() adds more
};

/// Applies all sources in precedence order; collects every problem instead of stopping at the first.
LoadedConfig loadRunConfig(const ConfigSources& sources);

/// Applies a parsed config.json object (used by loadRunConfig and by the GUI when opening a run).
void applyConfigJson(const nlohmann::json& obj, const std::string& fileLabel, RunConfig& cfg,
                     Provenance& provenance, std::vector<Problem>& problems);

/// The user-facing name of a field given its provenance ("BATCH_SIZE" when it came from the env).
std::string fieldLabel(const std::string& key, const Provenance& provenance);

/// The fully resolved config as JSON, secrets masked as "***". Includes every field plus derived
/// values (effective_batch_size, world_size) when `withDerived`.
nlohmann::json runConfigToJson(const RunConfig& cfg, bool withDerived = true, int nodes = 1);
/// Parses a config written by runConfigToJson (derived and unknown keys tolerated only when lenient).
LoadedConfig runConfigFromJson(const nlohmann::json& obj, bool lenient = false);

}  // namespace studio
