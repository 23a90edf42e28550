#pragma once
// pushModelToHub: what the training engine calls at the end of a run with --push-to-hub. Creates the model
// repository if needed (private unless asked otherwise), uploads checkpoint_best_total.pth through LFS, a
// model card (README.md) and config.json in one commit. Safe to call again after an interruption: the
// checkpoint is not re-sent when the Hub already has it.
//
//   hf::PushModelRequest req;
//   req.config = cfg;                          // hf_username / hub_repo / hf_token (token: env or file if empty)
//   req.runDir = outputDir;                    // holds checkpoint_best_total.pth (and results.json)
//   req.classNames = {"Text", "CheckBox", "Signature"};
//   req.metrics = {{"map50_95", 0.61}, {"map50", 0.83}, {"epoch", 29}};
//   req.worldSize = world;
//   req.progress = hf::eventProgressSink();    // ProgressEvents with stage "upload"
//   const auto res = hf::pushModelToHub(req); // throws hf::HubError with fix() on 401/403/409/network
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/config/run_config.h"
#include "base/hf/hub_client.h"
#include "base/hf/progress.h"
#include "base/util/env.h"

namespace studio::hf {

struct PushModelRequest {
    RunConfig config;
    std::string runDir;
    std::vector<std::string> classNames;
    nlohmann::json metrics;                      // see ModelCardInput
    int worldSize = 1;
    bool privateRepo = true;                     // a new repository is private unless set to false
    std::string checkpointName = "checkpoint_best_total.pth";
    std::string commitMessage = "Upload RF-DETR model trained with RF-DETR Studio";
    ProgressSink progress;
    RetryPolicy retry;
    const EnvMap* env = nullptr;                 // nullptr: the process environment (HF_ENDPOINT, HF_TOKEN, ...)
};

struct PushModelResult {
    std::string repoId;
    std::string url;             // https://huggingface.co/<repo>
    std::string commitUrl;
    bool created = false;        // the repository was created by this call
    bool checkpointSent = false; // false when the Hub already had the checkpoint (resumed / repeated push)
};

/// "<hf_username>/rfdetr-<size>-<dataset>" ("hf:jbarrow/CommonForms" -> "commonforms", a folder -> its name).
std::string defaultHubRepo(const RunConfig& cfg);

/// Publishes the run. Blocks; any thread. Throws HubError naming the problem and the fix.
PushModelResult pushModelToHub(const PushModelRequest& request);

}  // namespace studio::hf
