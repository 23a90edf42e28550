#include "base/config/config_loader.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/config/config_fields.h"

namespace studio {

using nlohmann::json;

namespace {

// Keys runConfigToJson adds that are not settable fields.
const char* const kDerivedKeys[] = {"effective_batch_size", "world_size", "nodes", "studio_version",
                                    "host", "schema"};

bool isDerivedKey(const std::string& k) {
    for (const char* d : kDerivedKeys) {
        if (k == d) return true;
    }
    return false;
}

std::string jsonValueText(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
}

}  // namespace

void applyConfigJson(const json& obj, const std::string& fileLabel, RunConfig& cfg, Provenance& provenance,
                     std::vector<Problem>& problems) {
    if (!obj.is_object()) {
        problems.push_back({Severity::Error, fileLabel, "", "must hold a JSON object ({ \"key\": value, ... })",
                            "write the settings as an object, e.g. {\"batch_size\": 16}"});
        return;
    }
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        const std::string& key = it.key();
        const ConfigField* f = findFieldByKey(key);
        if (!f) {
            if (isDerivedKey(key)) continue;
            const std::string near = closestKey(key);
            problems.push_back({Severity::Error, fileLabel + ": " + key, "", "unknown key",
                                near.empty() ? "remove it (rfdetr-train --help lists the known keys)"
                                             : "did you mean \"" + near + "\"? Rename or remove it"});
            continue;
        }
        // A masked secret read back from a saved config means "not set here".
        if (f->secret && it.value().is_string() && it.value().get<std::string>() == "***") continue;
        if (auto err = setFieldFromJson(*f, cfg, it.value())) {
            problems.push_back({Severity::Error, fileLabel + ": " + key, jsonValueText(it.value()), *err,
                                "use a value like " + f->example});
            continue;
        }
        provenance[key] = {SourceKind::ConfigJson, fileLabel + ": " + key};
    }
}

LoadedConfig loadRunConfig(const ConfigSources& sources) {
    LoadedConfig out;
    out.config = defaultRunConfig();

    // 1. config.json
    if (!sources.configJsonPath.empty()) {
        const std::string& path = sources.configJsonPath;
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            out.problems.push_back({Severity::Error, "--config", path, "cannot be read (missing or no permission)",
                                    "pass the path of an existing config.json"});
        } else {
            std::stringstream ss;
            ss << in.rdbuf();
            json obj;
            try {
                obj = json::parse(ss.str());
                applyConfigJson(obj, path, out.config, out.provenance, out.problems);
            } catch (const json::parse_error& e) {
                // e.byte is the 1-based offset of the error; turn it into line:column.
                const std::string text = ss.str();
                size_t line = 1, col = 1;
                for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
                    if (text[i] == '\n') {
                        ++line;
                        col = 1;
                    } else {
                        ++col;
                    }
                }
                out.problems.push_back({Severity::Error, path, "",
                                        "is not valid JSON (line " + std::to_string(line) + ", column " +
                                            std::to_string(col) + ")",
                                        "fix the syntax there (a missing comma or quote is typical)"});
            }
        }
    }

    // 2. the seed's environment variables, in field order
    for (const auto& f : configFields()) {
        if (f.envVar.empty()) continue;
        const auto it = sources.env.find(f.envVar);
        if (it == sources.env.end()) continue;
        // The guide's scripts export empty variables for "not set" (e.g. RESUME_CHECKPOINT="").
        if (it->second.empty() && f.key != "resume") continue;
        if (auto err = f.setText(out.config, it->second)) {
            out.problems.push_back({Severity::Error, f.envVar, f.secret ? "***" : it->second, *err,
                                    "set " + f.envVar + " to a value like " + f.envVar + "=" + f.example});
            continue;
        }
        out.provenance[f.key] = {SourceKind::Env, f.envVar};
    }

    // 3. CLI flags, in the order given
    for (const auto& [flag, value] : sources.flags) {
        const ConfigField* f = findFieldByFlag(flag);
        if (!f) {
            out.problems.push_back({Severity::Error, flag, "", "unknown option", "see rfdetr-train --help"});
            continue;
        }
        if (auto err = f->setText(out.config, value)) {
            out.problems.push_back({Severity::Error, flag, f->secret ? "***" : value, *err,
                                    "pass a value like " + f->flag + " " + f->example});
            continue;
        }
        out.provenance[f->key] = {SourceKind::Flag, flag};
    }
    return out;
}

std::string fieldLabel(const std::string& key, const Provenance& provenance) {
    const auto it = provenance.find(key);
    if (it != provenance.end()) return it->second.name;
    const ConfigField* f = findFieldByKey(key);
    return f ? f->key : key;
}

json runConfigToJson(const RunConfig& cfg, bool withDerived, int nodes) {
    json obj = json::object();
    for (const auto& f : configFields()) {
        json v = f.get(cfg);
        if (f.secret) v = (v.is_string() && v.get<std::string>().empty()) ? json("") : json("***");
        obj[f.key] = v;
    }
    if (withDerived) {
        const int world = processesPerNode(cfg) * nodes;
        obj["world_size"] = world;
        obj["effective_batch_size"] = effectiveBatchSize(cfg.batchSize, cfg.gradAccumSteps, world);
    }
    return obj;
}

LoadedConfig runConfigFromJson(const json& obj, bool lenient) {
    LoadedConfig out;
    out.config = defaultRunConfig();
    std::vector<Problem> problems;
    applyConfigJson(obj, "config.json", out.config, out.provenance, problems);
    for (auto& p : problems) {
        if (lenient && p.message == "unknown key") continue;
        out.problems.push_back(std::move(p));
    }
    return out;
}

}  // namespace studio
