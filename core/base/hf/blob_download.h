#pragma once
// Downloads one file of a Hub repository into the shared cache, the way huggingface_hub does and more
// robustly: under the blob's lock, into "blobs/<etag>.incomplete" (kept between runs and resumed with a
// Range request), retried with backoff on network errors and 5xx, the signed storage URL re-resolved when it
// expires (403/410 from the storage host), verified against the etag (SHA-256, or the git blob SHA-1 for
// small files), then renamed to blobs/<etag> and linked from snapshots/<commit>/<path>.
#include <string>

#include "base/hf/hub_cache.h"
#include "base/hf/hub_client.h"
#include "base/hf/progress.h"

namespace studio::hf {

struct BlobDownloadOptions {
    int maxUrlRefreshes = 8;      // fresh signed URLs per file
    int maxTotalAttempts = 100;   // hard cap on attempts per file, even when each one makes progress
    double lockTimeoutS = 0;      // 0 = wait as long as the other process downloads
};

class BlobDownloader {
public:
    /// `meter` (may be null) receives the bytes as they arrive. Thread-safe: several threads may call
    /// ensure() for different files.
    BlobDownloader(const HubClient& client, const HubCache& cache, ProgressMeter* meter,
                   BlobDownloadOptions options = {});

    /// Makes snapshots/<commit>/<file.path> point at a complete, verified blob; downloads what is missing.
    /// Returns the snapshot path. Throws HubError (network, auth, integrity, disk) with the file named.
    std::string ensure(const RepoFile& file, const std::string& commit) const;

    /// True when blobs/<etag> exists with the expected size (complete files only ever get that name).
    bool isCached(const RepoFile& file) const;

private:
    void download(const RepoFile& file, const std::string& commit) const;
    const HubClient& m_client;
    const HubCache& m_cache;
    ProgressMeter* m_meter;
    BlobDownloadOptions m_options;
};

/// Rejects repository paths that would escape the snapshot folder (absolute, "..", empty parts).
bool isSafeRepoPath(const std::string& path);

}  // namespace studio::hf
