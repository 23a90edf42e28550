#include "base/hf/push_model.h"

#include <cctype>
#include <filesystem>

#include "base/hf/hub_token.h"
#include "base/hf/hub_upload.h"
#include "base/hf/model_card.h"
#include "base/log/log.h"
#include "base/util/atomic_file.h"

namespace studio::hf {

namespace fs = std::filesystem;

namespace {
std::string slug(std::string s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
        else if ((ch == '-' || ch == '_' || ch == '.' || ch == ' ') && !out.empty() && out.back() != '-') out += '-';
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out.empty() ? "dataset" : out;
}
}  // namespace

std::string defaultHubRepo(const RunConfig& cfg) {
    std::string data = cfg.dataset;
    if (auto ref = parseDatasetSpec(data)) data = ref->id.substr(ref->id.find('/') + 1);
    else if (data != "demo") data = fs::path(data).filename().empty() ? fs::path(data).parent_path().filename().string()
                                                                      : fs::path(data).filename().string();
    return cfg.hfUsername + "/rfdetr-" + nameOf(cfg.modelSize) + "-" + slug(data);
}

PushModelResult pushModelToHub(const PushModelRequest& req) {
    const EnvMap env = req.env ? *req.env : environmentSnapshot();
    const RunConfig& cfg = req.config;
    PushModelResult res;
    res.repoId = !cfg.hubRepo.empty() ? cfg.hubRepo : defaultHubRepo(cfg);
    if (cfg.hubRepo.empty() && cfg.hfUsername.empty())
        throw HubError(HubErrorKind::Unauthorized, "cannot push the model: no repository name",
                       "set HF_USERNAME (your Hugging Face user or organisation) or --hub-repo owner/name");
    if (res.repoId.find('/') == std::string::npos)
        throw HubError(HubErrorKind::Protocol, "cannot push the model: '" + res.repoId + "' is not owner/name",
                       "set --hub-repo to <user or organisation>/<name>");
    const auto token = findHubToken(cfg.hfToken, env);
    if (!token)
        throw HubError(HubErrorKind::Unauthorized, "cannot push the model to " + res.repoId + ": no Hugging Face token",
                       "set HF_TOKEN to a write token (huggingface.co/settings/tokens) or run `hf auth login`");
    const std::string checkpoint = req.runDir + "/" + req.checkpointName;
    std::error_code ec;
    if (!fs::is_regular_file(checkpoint, ec))
        throw HubError(HubErrorKind::Disk, "cannot push the model: " + checkpoint + " does not exist",
                       "push after training wrote its best checkpoint (it appears after the first evaluation)");

    ModelCardInput card;
    card.config = cfg;
    card.config.hfToken.clear();
    card.classNames = req.classNames;
    card.metrics = req.metrics;
    card.repoId = res.repoId;
    card.checkpointName = req.checkpointName;
    card.worldSize = req.worldSize;
    if (auto d = parseDatasetSpec(cfg.dataset)) card.datasetRepo = d->id;
    if (fs::is_regular_file(req.runDir + "/results.json", ec))
        card.resultsJson = nlohmann::json::parse(readFile(req.runDir + "/results.json"), nullptr, false);

    HubClientOptions co;
    co.endpoint = hubEndpoint(env);
    co.token = token->value;
    co.retry = req.retry;
    const HubClient client(co);
    const HubUploader uploader(client, req.progress);
    const RepoRef repo{RepoType::Model, res.repoId, "main"};
    logger().info("pushing the model to {}/{} with {}", co.endpoint, res.repoId, token->describe());
    res.created = uploader.createRepo(repo, req.privateRepo);
    const UploadResult up = uploader.upload(
        repo,
        {{req.checkpointName, checkpoint, std::nullopt},
         {"README.md", "", modelCardMarkdown(card)},
         {"config.json", "", modelConfigJson(card).dump(2) + "\n"}},
        req.commitMessage);
    res.checkpointSent = !up.lfsUploaded.empty();
    res.commitUrl = up.commitUrl;
    res.url = co.endpoint + "/" + res.repoId;
    logger().info("model published: {} ({})", res.url, res.checkpointSent ? "checkpoint uploaded" : "checkpoint was already on the Hub");
    return res;
}

}  // namespace studio::hf
