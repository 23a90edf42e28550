#pragma once
// The huggingface_hub cache layout (hub-docs local-cache.md), shared with the Python tools:
//   <root>/<type>s--<owner>--<name>/{blobs/<etag>, snapshots/<commit>/<path> -> ../../blobs/<etag>,
//                                    refs/<revision>}      and   <root>/.locks/<repo folder>/<etag>.lock
// A blob appears under its final name only once it is complete and verified (rename of
// "<etag>.incomplete"), so a file in blobs/ is never partial.
#include <optional>
#include <string>

#include "base/hf/hub_repo.h"
#include "base/util/env.h"

namespace studio::hf {

/// The Hub cache root: `cacheDir` when given (as huggingface_hub's cache_dir=), else HF_HUB_CACHE,
/// HUGGINGFACE_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub.
std::string hubCacheRoot(const std::string& cacheDir, const EnvMap& env);

class HubCache {
public:
    HubCache(std::string root, RepoRef repo);

    const std::string& root() const { return m_root; }
    const RepoRef& repo() const { return m_repo; }
    /// "datasets--owner--name".
    std::string repoFolderName() const;
    std::string repoDir() const;
    std::string blobPath(const std::string& etag) const;
    /// The resumable partial download of a blob (only touched while holding its lock).
    std::string incompletePath(const std::string& etag) const;
    std::string lockPath(const std::string& etag) const;
    std::string snapshotDir(const std::string& commit) const;
    std::string snapshotPath(const std::string& commit, const std::string& file) const;
    std::string refPath(const std::string& revision) const;

    /// The commit a branch/tag resolved to last time (refs/<rev>); the rev itself when it is a commit.
    std::optional<std::string> cachedCommit(const std::string& revision) const;
    /// Records refs/<rev> = commit (atomic write; skipped when rev is a commit). Throws on I/O errors.
    void writeRef(const std::string& revision, const std::string& commit) const;
    /// snapshots/<commit>/<file> -> relative link to blobs/<etag> (replaced if it points elsewhere).
    /// Throws std::runtime_error naming the path on failure.
    void linkSnapshot(const std::string& commit, const std::string& file, const std::string& etag) const;

private:
    std::string m_root;
    RepoRef m_repo;
};

}  // namespace studio::hf
