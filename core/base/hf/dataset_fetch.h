#pragma once
// fetch-dataset: resolve hf:<owner>/<name>[@rev] to a commit, list its files, download the parquet shards
// (and the dataset card) into the shared Hub cache with progress, and say where they are, per split.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/hf/blob_download.h"
#include "base/hf/hub_client.h"
#include "base/hf/progress.h"

namespace studio::hf {

struct FetchOptions {
    std::vector<std::string> splits;   // only these splits ("" / empty = all)
    int parallelFiles = 4;             // files downloaded at once
    RetryPolicy retry;
    BlobDownloadOptions blob;
    ProgressSink progress;             // may be empty
    bool offline = false;              // HF_HUB_OFFLINE: use what the cache holds, no network
};

struct FetchedFile {
    std::string repoPath;      // "data/train-00000-of-00008.parquet"
    std::string localPath;     // snapshots/<commit>/data/...
    std::string split;         // "train"
    std::uint64_t size = 0;
    std::string etag;
};

struct FetchedDataset {
    RepoRef repo;
    std::string commit;
    std::string snapshotDir;
    std::vector<FetchedFile> files;         // parquet shards, sorted by split then path
    std::string readmePath;                 // "" when the repo has no README.md
    std::uint64_t totalBytes = 0;
    std::uint64_t downloadedBytes = 0;      // fetched in this call (the rest was cached)

    /// Shards of one split in order.
    std::vector<const FetchedFile*> split(const std::string& name) const;
    std::vector<std::string> splitNames() const;
};

/// The split a parquet path belongs to: "data/train-00000-of-00008.parquet" -> "train",
/// "default/valid/0000.parquet" -> "valid"; "" when neither pattern applies.
std::string splitOfPath(const std::string& repoPath);

/// Downloads (or finds in the cache) every parquet shard of `repo`. `cacheRoot` is the Hub cache root
/// (hubCacheRoot()). Throws HubError with what to do. Any thread; blocks until done.
FetchedDataset fetchHubDataset(const RepoRef& repo, const std::string& cacheRoot, const HubClientOptions& client,
                               const FetchOptions& options);

}  // namespace studio::hf
