#include "base/hf/dataset_fetch.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "base/hf/hub_cache.h"
#include "base/log/log.h"

namespace studio::hf {

namespace fs = std::filesystem;

std::string splitOfPath(const std::string& repoPath) {
    const fs::path p(repoPath);
    if (p.extension() != ".parquet") return "";
    static const std::regex shard(R"(^([A-Za-z][A-Za-z0-9_.]*?)(-\d+)?-\d+-of-\d+$)");
    static const std::regex prefixed(R"(^([A-Za-z][A-Za-z0-9_]*)-.*$)");
    const std::string stem = p.stem().string();
    std::smatch m;
    if (std::regex_match(stem, m, shard) || std::regex_match(stem, m, prefixed)) return m[1].str();
    const std::string parent = p.parent_path().filename().string();
    return parent;
}

std::vector<const FetchedFile*> FetchedDataset::split(const std::string& name) const {
    std::vector<const FetchedFile*> out;
    for (const auto& f : files)
        if (f.split == name) out.push_back(&f);
    return out;
}

std::vector<std::string> FetchedDataset::splitNames() const {
    std::vector<std::string> out;
    for (const auto& f : files)
        if (std::find(out.begin(), out.end(), f.split) == out.end()) out.push_back(f.split);
    return out;
}

namespace {

bool wanted(const std::vector<std::string>& splits, const std::string& split) {
    return splits.empty() || std::find(splits.begin(), splits.end(), split) != splits.end();
}

void sortFiles(std::vector<FetchedFile>& files) {
    std::sort(files.begin(), files.end(), [](const FetchedFile& a, const FetchedFile& b) {
        return a.split != b.split ? a.split < b.split : a.repoPath < b.repoPath;
    });
}

FetchedDataset fromCacheOnly(const RepoRef& repo, const HubCache& cache, const FetchOptions& options) {
    const auto commit = cache.cachedCommit(repo.revision);
    if (!commit)
        throw HubError(HubErrorKind::Network,
                       "offline mode (HF_HUB_OFFLINE): " + repo.id + "@" + repo.revision + " is not in the cache " +
                           cache.root(),
                       "download it once with network access (rfdetr-train fetch-dataset hf:" + repo.id + ")");
    FetchedDataset out;
    out.repo = repo;
    out.commit = *commit;
    out.snapshotDir = cache.snapshotDir(*commit);
    std::error_code ec;
    for (fs::recursive_directory_iterator it(out.snapshotDir, ec), end; !ec && it != end; it.increment(ec)) {
        if (!fs::is_regular_file(it->path(), ec)) continue;  // follows the link: a dangling one is skipped
        const std::string rel = it->path().lexically_relative(out.snapshotDir).string();
        if (rel == "README.md") out.readmePath = it->path().string();
        const std::string split = splitOfPath(rel);
        if (split.empty() || !wanted(options.splits, split)) continue;
        FetchedFile f{rel, it->path().string(), split, static_cast<std::uint64_t>(fs::file_size(it->path(), ec)), ""};
        out.totalBytes += f.size;
        out.files.push_back(std::move(f));
    }
    sortFiles(out.files);
    if (out.files.empty())
        throw HubError(HubErrorKind::Network, "offline mode (HF_HUB_OFFLINE): no parquet files of " + repo.id +
                                                  " in " + out.snapshotDir,
                       "download the dataset once with network access");
    return out;
}

}  // namespace

FetchedDataset fetchHubDataset(const RepoRef& repo, const std::string& cacheRoot, const HubClientOptions& clientOptions,
                               const FetchOptions& options) {
    const HubCache cache(cacheRoot, repo);
    if (options.offline) return fromCacheOnly(repo, cache, options);

    HubClientOptions co = clientOptions;
    co.retry = options.retry;
    const HubClient client(co);
    FetchedDataset out;
    out.repo = repo;
    out.commit = client.resolveCommit(repo);
    out.snapshotDir = cache.snapshotDir(out.commit);
    RepoRef atCommit = repo;
    atCommit.revision = out.commit;
    const std::vector<RepoFile> listing = client.listFiles(atCommit);

    std::vector<RepoFile> todo;
    for (const auto& f : listing) {
        const std::string split = splitOfPath(f.path);
        const bool isCard = f.path == "README.md";
        if (!isCard && (split.empty() || !wanted(options.splits, split))) continue;
        todo.push_back(f);
        if (isCard) continue;
        out.files.push_back({f.path, cache.snapshotPath(out.commit, f.path), split, f.size, f.etag});
        out.totalBytes += f.size;
    }
    sortFiles(out.files);
    if (out.files.empty()) {
        std::set<std::string> splits;
        for (const auto& f : listing)
            if (auto s = splitOfPath(f.path); !s.empty()) splits.insert(s);
        std::string have;
        for (const auto& s : splits) have += (have.empty() ? "" : ", ") + s;
        throw HubError(HubErrorKind::NotFound,
                       "dataset " + repo.id + "@" + repo.revision + " has no parquet files" +
                           (options.splits.empty() ? "" : " for the requested splits") +
                           (have.empty() ? "" : " (splits present: " + have + ")"),
                       have.empty() ? "use a dataset stored as parquet (e.g. hf:jbarrow/CommonForms), or its "
                                      "auto-converted branch: hf:" + repo.id + "@refs/convert/parquet"
                                    : "ask for splits that exist");
    }

    std::uint64_t missing = 0, allBytes = 0, missingShards = 0;
    for (const auto& f : todo) allBytes += f.size;
    const BlobDownloader probe(client, cache, nullptr, options.blob);
    for (const auto& f : todo)
        if (!probe.isCached(f)) {
            missing += f.size;
            if (f.path != "README.md") missingShards += f.size;
        }
    ProgressMeter realMeter("download", static_cast<double>(allBytes), options.progress);
    BlobDownloader realDownloader(client, cache, &realMeter, options.blob);
    realMeter.skip(static_cast<double>(allBytes - missing));
    logger().info("{}@{} ({}): {} parquet files, {} bytes, {} bytes to download into {}", repo.id, repo.revision,
                  out.commit.substr(0, 12), out.files.size(), out.totalBytes, missing, cache.repoDir());

    // Largest files first across a few threads; the first error stops the others from starting new files.
    std::sort(todo.begin(), todo.end(), [](const RepoFile& a, const RepoFile& b) { return a.size > b.size; });
    std::atomic<std::size_t> next{0};
    std::mutex errMutex;
    std::exception_ptr firstError;
    auto worker = [&] {
        for (;;) {
            {
                std::lock_guard<std::mutex> lock(errMutex);
                if (firstError) return;
            }
            const std::size_t i = next++;
            if (i >= todo.size()) return;
            try {
                if (!realDownloader.isCached(todo[i])) realMeter.setItem(todo[i].path);
                realDownloader.ensure(todo[i], out.commit);
            } catch (...) {
                std::lock_guard<std::mutex> lock(errMutex);
                if (!firstError) firstError = std::current_exception();
            }
        }
    };
    const int threads = std::max(1, std::min<int>(options.parallelFiles, static_cast<int>(todo.size())));
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (firstError) std::rethrow_exception(firstError);
    realMeter.flush();

    if (std::any_of(todo.begin(), todo.end(), [](const RepoFile& f) { return f.path == "README.md"; }))
        out.readmePath = cache.snapshotPath(out.commit, "README.md");
    try {
        cache.writeRef(repo.revision, out.commit);
    } catch (const std::exception& e) {
        throw HubError(HubErrorKind::Disk, e.what(), "check the permissions and free space of " + cacheRoot);
    }
    out.downloadedBytes = missingShards;
    return out;
}

}  // namespace studio::hf
