#include "base/hf/hub_cache.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "base/util/atomic_file.h"

namespace studio::hf {

namespace fs = std::filesystem;

std::string hubCacheRoot(const std::string& cacheDir, const EnvMap& env) {
    if (!cacheDir.empty()) return cacheDir;
    for (const char* name : {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"}) {
        if (auto v = envValue(env, name); v && !v->empty()) return *v;
    }
    if (auto v = envValue(env, "HF_HOME"); v && !v->empty()) return *v + "/hub";
    if (auto v = envValue(env, "XDG_CACHE_HOME"); v && !v->empty()) return *v + "/huggingface/hub";
    return envValue(env, "HOME").value_or("") + "/.cache/huggingface/hub";
}

HubCache::HubCache(std::string root, RepoRef repo) : m_root(std::move(root)), m_repo(std::move(repo)) {}

std::string HubCache::repoFolderName() const {
    std::string name = std::string(apiSegment(m_repo.type)) + "--" + m_repo.id;
    for (std::size_t pos = 0; (pos = name.find('/', pos)) != std::string::npos;) name.replace(pos, 1, "--");
    return name;
}

std::string HubCache::repoDir() const { return m_root + "/" + repoFolderName(); }
std::string HubCache::blobPath(const std::string& etag) const { return repoDir() + "/blobs/" + etag; }
std::string HubCache::incompletePath(const std::string& etag) const { return blobPath(etag) + ".incomplete"; }
std::string HubCache::lockPath(const std::string& etag) const {
    return m_root + "/.locks/" + repoFolderName() + "/" + etag + ".lock";
}
std::string HubCache::snapshotDir(const std::string& commit) const { return repoDir() + "/snapshots/" + commit; }
std::string HubCache::snapshotPath(const std::string& commit, const std::string& file) const {
    return snapshotDir(commit) + "/" + file;
}
std::string HubCache::refPath(const std::string& revision) const { return repoDir() + "/refs/" + revision; }

std::optional<std::string> HubCache::cachedCommit(const std::string& revision) const {
    if (isCommitHash(revision)) return revision;
    std::ifstream in(refPath(revision));
    std::string commit;
    if (!(in >> commit) || !isCommitHash(commit)) return std::nullopt;
    return commit;
}

void HubCache::writeRef(const std::string& revision, const std::string& commit) const {
    if (isCommitHash(revision)) return;
    const std::string path = refPath(revision);
    fs::create_directories(fs::path(path).parent_path());
    writeFileAtomic(path, commit);
}

void HubCache::linkSnapshot(const std::string& commit, const std::string& file, const std::string& etag) const {
    const fs::path link = snapshotPath(commit, file);
    std::error_code ec;
    fs::create_directories(link.parent_path(), ec);
    if (ec) throw std::runtime_error("cannot create " + link.parent_path().string() + ": " + ec.message());
    const fs::path target = fs::path(blobPath(etag)).lexically_relative(link.parent_path());
    if (fs::is_symlink(fs::symlink_status(link, ec))) {
        if (fs::read_symlink(link, ec) == target) return;
    }
    // Create under a temporary name and rename over, so a reader never sees a missing link.
    const fs::path tmp = link.string() + ".tmp." + std::to_string(::getpid());
    fs::remove(tmp, ec);
    if (::symlink(target.c_str(), tmp.c_str()) != 0)
        throw std::runtime_error("cannot create the link " + tmp.string() + ": " + std::strerror(errno));
    if (::rename(tmp.c_str(), link.c_str()) != 0) {
        const int err = errno;
        fs::remove(tmp, ec);
        throw std::runtime_error("cannot create the link " + link.string() + ": " + std::strerror(err));
    }
}

}  // namespace studio::hf
