#pragma once
// Uploads files to a Hub repository the way huggingface_hub does: create the repo (409 = exists, fine),
// ask which files go through LFS (preupload), upload LFS objects (basic PUT or multipart parts, then
// verify), and commit everything in one atomic commit (NDJSON). Resumable: LFS objects the Hub already has
// are not sent again, so re-running after an interruption only sends what is missing.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/hf/hub_client.h"
#include "base/hf/progress.h"

namespace studio::hf {

struct UploadFile {
    std::string pathInRepo;                 // "checkpoint_best_total.pth"
    std::string localPath;                  // file to send, or
    std::optional<std::string> content;     // bytes to send (README.md, config.json)
};

struct UploadResult {
    std::string commitUrl;
    std::string commitOid;
    std::vector<std::string> lfsUploaded;   // paths whose LFS object was sent now
    std::vector<std::string> lfsReused;     // paths whose LFS object the Hub already had
};

class HubUploader {
public:
    explicit HubUploader(const HubClient& client, ProgressSink progress = {});

    /// POST /api/repos/create; returns true when created, false when it already existed (409).
    /// Throws HubError (401 no/invalid token, 403 no write access to the namespace).
    bool createRepo(const RepoRef& repo, bool privateRepo) const;
    /// Uploads `files` to `repo` at `repo.revision` in one commit. Throws HubError with what to do.
    UploadResult upload(const RepoRef& repo, const std::vector<UploadFile>& files, const std::string& summary) const;

private:
    void uploadLfsObject(const RepoRef& repo, const nlohmann::json& object, const UploadFile& file,
                         std::uint64_t size, ProgressMeter& meter) const;
    HttpResponse sendWithRetry(HttpRequest request, const std::string& what) const;
    const HubClient& m_client;
    ProgressSink m_progress;
};

}  // namespace studio::hf
