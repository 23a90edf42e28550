#pragma once
// What gets published next to the weights: a model card (README.md with metrics, configuration and
// classes, in the Hub's YAML-front-matter format) and config.json (machine-readable: size, resolution,
// classes, training settings without secrets, metrics).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/config/run_config.h"

namespace studio::hf {

struct ModelCardInput {
    RunConfig config;                        // the run's resolved configuration (hf_token is never written)
    std::vector<std::string> classNames;     // class k -> category k + 1 (category 0 = "forms")
    nlohmann::json metrics;                  // {"map50_95":…, "map50":…, "epoch":…, "per_class": {name: ap}} (any may be absent)
    nlohmann::json resultsJson;              // the run's results.json (rfdetr layout), may be null
    std::string repoId;
    std::string checkpointName = "checkpoint_best_total.pth";
    std::string datasetRepo;                 // "jbarrow/CommonForms" when trained on a Hub dataset
    int worldSize = 1;
};

/// README.md text.
std::string modelCardMarkdown(const ModelCardInput& in);
/// config.json object.
nlohmann::json modelConfigJson(const ModelCardInput& in);

}  // namespace studio::hf
