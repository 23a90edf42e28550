#include "base/hub_dataset/prepare_hub_dataset.h"

#include <filesystem>

#include "base/hf/file_lock.h"
#include "base/hf/hub_cache.h"
#include "base/hf/hub_token.h"
#include "base/log/log.h"
#include "base/util/cache_dir.h"

namespace studio::hubdata {

namespace fs = std::filesystem;

std::string studioCacheDir(const std::string& cacheDir, const EnvMap& env) {
    return studio::studioCacheDir(cacheDir, env);  // one rule for every cache user (base/util/cache_dir.h)
}

namespace {

std::string preparedDir(const std::string& studioCache, const hf::RepoRef& repo, const std::string& commit) {
    std::string name = repo.id;
    for (std::size_t pos = 0; (pos = name.find('/', pos)) != std::string::npos;) name.replace(pos, 1, "--");
    return studioCache + "/hf-datasets/" + name + "/" + commit;
}

bool truthy(const std::optional<std::string>& v) {
    return v && (*v == "1" || *v == "true" || *v == "TRUE" || *v == "yes" || *v == "on");
}

}  // namespace

PreparedDataset prepareHubDatasetWith(const std::string& spec, const std::string& cacheDir, const std::string& token,
                                      const hf::ProgressSink& progress, const PrepareOptions& options,
                                      const EnvMap& env) {
    const auto repo = hf::parseDatasetSpec(spec);
    if (!repo)
        throw hf::HubError(hf::HubErrorKind::Protocol, "'" + spec + "' is not a Hugging Face dataset name",
                           "write it as hf:<owner>/<name> or hf:<owner>/<name>@<revision>, e.g. hf:jbarrow/CommonForms");
    const std::string hubRoot = hf::hubCacheRoot(cacheDir, env);
    const std::string studioRoot = studioCacheDir(cacheDir, env);
    hf::HubClientOptions client;
    client.endpoint = hf::hubEndpoint(env);
    if (auto t = hf::findHubToken(token, env)) {
        client.token = t->value;
        logger().info("Hugging Face: using {}", t->describe());  // never the token itself
    }
    hf::FetchOptions fetch = options.fetch;
    if (!fetch.progress) fetch.progress = progress;
    fetch.offline = fetch.offline || truthy(envValue(env, "HF_HUB_OFFLINE"));

    hf::FetchedDataset fetched;
    try {
        fetched = hf::fetchHubDataset(*repo, hubRoot, client, fetch);
    } catch (const hf::HubError& e) {
        // Without network, a folder prepared earlier for the cached revision still trains.
        const auto commit = hf::HubCache(hubRoot, *repo).cachedCommit(repo->revision);
        PreparedDataset ready;
        if (e.kind() == hf::HubErrorKind::Network && commit &&
            loadPreparedDataset(preparedDir(studioRoot, *repo, *commit), ready)) {
            logger().warn("{}; using the copy prepared earlier for {} ({})", e.what(), repo->id, commit->substr(0, 12));
            ready.reused = true;
            return ready;
        }
        throw;
    }

    const std::string dir = preparedDir(studioRoot, *repo, fetched.commit);
    PreparedDataset ready;
    if (loadPreparedDataset(dir, ready) && ready.mode == options.images) {
        ready.reused = true;
        return ready;
    }
    fs::create_directories(fs::path(dir).parent_path());
    hf::FileLock lock(dir + ".lock", 0, [&] {
        logger().info("waiting for another process that prepares {} ({})", repo->id, dir);
    });
    if (loadPreparedDataset(dir, ready) && ready.mode == options.images) {
        ready.reused = true;
        return ready;
    }
    logger().info("preparing {}@{} in {} (images: {})", repo->id, fetched.commit.substr(0, 12), dir,
                  options.images == HubImageMode::Index ? "read from the parquet shards" : "extracted to files");
    return buildPreparedDataset(fetched, dir, options.images, progress);
}

std::string prepareHubDataset(const std::string& spec, const std::string& cacheDir, const std::string& token,
                              const hf::ProgressSink& progress) {
    return prepareHubDatasetWith(spec, cacheDir, token, progress, PrepareOptions{}, environmentSnapshot()).dir;
}

}  // namespace studio::hubdata
