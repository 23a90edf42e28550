#include "base/hf/hub_upload.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "base/hf/hashing.h"
#include "base/log/log.h"
#include "base/util/atomic_file.h"

namespace studio::hf {

using nlohmann::json;

namespace {

struct Prepared {
    std::uint64_t size = 0;
    std::string sha256;
    std::string sample;  // base64 of the first 512 bytes
    std::string mode;    // "lfs" | "regular"
};

Prepared describe(const UploadFile& f) {
    Prepared p;
    if (f.content) {
        p.size = f.content->size();
        p.sha256 = sha256Hex(*f.content);
        p.sample = base64Encode(f.content->substr(0, 512));
        return p;
    }
    struct stat st {};
    if (::stat(f.localPath.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        throw HubError(HubErrorKind::Disk, "cannot upload " + f.localPath + ": the file does not exist",
                       "check that training finished and wrote it");
    p.size = static_cast<std::uint64_t>(st.st_size);
    p.sha256 = sha256File(f.localPath);
    std::ifstream in(f.localPath, std::ios::binary);
    std::string head(512, '\0');
    in.read(head.data(), 512);
    head.resize(static_cast<std::size_t>(in.gcount()));
    p.sample = base64Encode(head);
    return p;
}

std::string withoutQuotes(std::string s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
}

}  // namespace

HubUploader::HubUploader(const HubClient& client, ProgressSink progress)
    : m_client(client), m_progress(std::move(progress)) {}

bool HubUploader::createRepo(const RepoRef& repo, bool privateRepo) const {
    const auto slash = repo.id.find('/');
    json body = {{"name", slash == std::string::npos ? repo.id : repo.id.substr(slash + 1)},
                 {"type", typeName(repo.type)},
                 {"private", privateRepo}};
    if (slash != std::string::npos) body["organization"] = repo.id.substr(0, slash);
    long status = 0;
    m_client.postJson(m_client.endpoint() + "/api/repos/create", body.dump(),
                      std::string("creating the ") + typeName(repo.type) + " repository " + repo.id, {}, &status, true);
    return status != 409;
}

HttpResponse HubUploader::sendWithRetry(HttpRequest request, const std::string& what) const {
    for (int attempt = 1;; ++attempt) {
        HttpResponse r = m_client.send(request, false);
        if (r.ok()) return r;
        HubError e = hubErrorFrom(r, what, m_client.hasToken());
        if (!e.transient() || attempt >= m_client.retry().maxAttempts) throw e;
        const double d = m_client.retry().delayS(attempt, &r);
        logger().warn("{} (attempt {}); retrying in {:.1f} s", e.what(), attempt, d);
        std::this_thread::sleep_for(std::chrono::duration<double>(d));
    }
}

void HubUploader::uploadLfsObject(const RepoRef& repo, const json& object, const UploadFile& file, std::uint64_t size,
                                  ProgressMeter& meter) const {
    const json& actions = object["actions"];
    const json& upload = actions.value("upload", json::object());
    const std::string href = upload.value("href", "");
    if (href.empty()) throw HubError(HubErrorKind::Protocol, "the LFS batch answer has no upload URL", "retry later");
    const json header = upload.value("header", json::object());
    const std::string what = "uploading " + file.pathInRepo + " to " + repo.id;
    auto bodyOf = [&](HttpRequest& req, std::uint64_t offset, std::uint64_t length) {
        if (file.content) req.body = file.content->substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(length));
        else req.fileBody = FileRange{file.localPath, offset, length};
    };
    meter.setItem(file.pathInRepo);
    if (header.contains("chunk_size")) {
        // Multipart: one pre-signed URL per part under keys "1", "2", ...; then complete with the ETags.
        const std::uint64_t chunk = std::stoull(header["chunk_size"].is_string() ? header["chunk_size"].get<std::string>()
                                                                                 : std::to_string(header["chunk_size"].get<std::uint64_t>()));
        if (chunk == 0) throw HubError(HubErrorKind::Protocol, what + ": chunk size 0", "retry later");
        json parts = json::array();
        for (std::uint64_t part = 1, offset = 0; offset < size; ++part, offset += chunk) {
            const auto key = std::to_string(part);
            if (!header.contains(key)) throw HubError(HubErrorKind::Protocol, what + ": no URL for part " + key, "retry later");
            HttpRequest put;
            put.method = "PUT";
            put.url = header[key].get<std::string>();
            bodyOf(put, offset, std::min(chunk, size - offset));
            const double before = meter.done();
            put.onSent = [&](std::uint64_t sent) { meter.add(static_cast<double>(sent) - (meter.done() - before)); };
            const HttpResponse r = sendWithRetry(put, what + " (part " + key + ")");
            const auto etag = r.header("etag");
            if (!etag) throw HubError(HubErrorKind::Protocol, what + ": the storage answered part " + key + " without an ETag", "retry later");
            parts.push_back({{"partNumber", part}, {"etag", withoutQuotes(*etag)}});
        }
        HttpRequest done;
        done.method = "POST";
        done.url = href;
        done.headers = {"Content-Type: application/vnd.git-lfs+json", "Accept: application/vnd.git-lfs+json"};
        done.body = json{{"oid", object["oid"]}, {"parts", parts}}.dump();
        sendWithRetry(done, what + " (completing the multipart upload)");
    } else {
        HttpRequest put;
        put.method = "PUT";
        put.url = href;
        for (const auto& [k, v] : header.items())
            if (v.is_string()) put.headers.push_back(k + ": " + v.get<std::string>());
        bodyOf(put, 0, size);
        const double before = meter.done();
        put.onSent = [&](std::uint64_t sent) { meter.add(static_cast<double>(sent) - (meter.done() - before)); };
        sendWithRetry(put, what);
    }
    if (actions.contains("verify")) {
        const json& verify = actions["verify"];
        HttpRequest v;
        v.method = "POST";
        v.url = verify.value("href", "");
        v.headers = {"Content-Type: application/vnd.git-lfs+json", "Accept: application/vnd.git-lfs+json"};
        const json verifyHeader = verify.value("header", json::object());  // items() refers into it
        for (const auto& [k, val] : verifyHeader.items())
            if (val.is_string() && k != "Authorization") v.headers.push_back(k + ": " + val.get<std::string>());
        v.body = json{{"oid", object["oid"]}, {"size", size}}.dump();
        sendWithRetry(v, what + " (verifying)");
    }
}

UploadResult HubUploader::upload(const RepoRef& repo, const std::vector<UploadFile>& files,
                                 const std::string& summary) const {
    std::vector<Prepared> prep;
    double totalBytes = 0;
    for (const auto& f : files) {
        prep.push_back(describe(f));
        totalBytes += static_cast<double>(prep.back().size);
    }
    const std::string api = m_client.endpoint() + "/api/" + apiSegment(repo.type) + "/" + repo.id;
    const std::string rev = percentEncode(repo.revision, false);

    // 1. Which files go through LFS.
    json pre = {{"files", json::array()}};
    for (std::size_t i = 0; i < files.size(); ++i)
        pre["files"].push_back({{"path", files[i].pathInRepo}, {"size", prep[i].size}, {"sample", prep[i].sample}});
    const json modes = m_client.postJson(api + "/preupload/" + rev, pre.dump(), "preparing the upload to " + repo.id);
    for (const auto& m : modes.value("files", json::array()))
        for (std::size_t i = 0; i < files.size(); ++i)
            if (m.value("path", "") == files[i].pathInRepo) prep[i].mode = m.value("uploadMode", "regular");

    // 2. LFS objects: ask which ones the Hub lacks, send only those.
    UploadResult result;
    ProgressMeter meter("upload", totalBytes, m_progress);
    json objects = json::array();
    for (std::size_t i = 0; i < files.size(); ++i)
        if (prep[i].mode == "lfs") objects.push_back({{"oid", prep[i].sha256}, {"size", prep[i].size}});
    if (!objects.empty()) {
        const json batch = m_client.postJson(
            m_client.endpoint() + "/" + urlPrefix(repo.type) + repo.id + ".git/info/lfs/objects/batch",
            json{{"operation", "upload"}, {"transfers", {"basic", "multipart"}}, {"objects", objects},
                 {"hash_algo", "sha256"}, {"ref", {{"name", repo.revision}}}}
                .dump(),
            "asking the Hub where to upload to " + repo.id,
            {"Content-Type: application/vnd.git-lfs+json", "Accept: application/vnd.git-lfs+json"});
        for (const auto& obj : batch.value("objects", json::array())) {
            if (obj.contains("error"))
                throw HubError(HubErrorKind::Protocol,
                               "the Hub refused an LFS object of " + repo.id + ": " + obj["error"].dump(),
                               "check the file is not larger than the Hub allows and retry");
            for (std::size_t i = 0; i < files.size(); ++i) {
                if (prep[i].mode != "lfs" || obj.value("oid", "") != prep[i].sha256) continue;
                if (!obj.contains("actions") || obj["actions"].is_null()) {
                    result.lfsReused.push_back(files[i].pathInRepo);  // already on the Hub: nothing to send
                    meter.add(static_cast<double>(prep[i].size));
                } else {
                    uploadLfsObject(repo, obj, files[i], prep[i].size, meter);
                    result.lfsUploaded.push_back(files[i].pathInRepo);
                }
            }
        }
    }

    // 3. One commit with every file.
    std::string ndjson = json{{"key", "header"}, {"value", {{"summary", summary}, {"description", ""}}}}.dump() + "\n";
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (prep[i].mode == "lfs") {
            ndjson += json{{"key", "lfsFile"},
                           {"value", {{"path", files[i].pathInRepo}, {"algo", "sha256"}, {"oid", prep[i].sha256},
                                      {"size", prep[i].size}}}}
                          .dump() + "\n";
        } else {
            const std::string bytes = files[i].content ? *files[i].content : readFile(files[i].localPath);
            meter.add(static_cast<double>(prep[i].size));
            ndjson += json{{"key", "file"},
                           {"value", {{"content", base64Encode(bytes)}, {"path", files[i].pathInRepo}, {"encoding", "base64"}}}}
                          .dump() + "\n";
        }
    }
    const json commit = m_client.postJson(api + "/commit/" + rev, ndjson, "committing to " + repo.id,
                                          {"Content-Type: application/x-ndjson"});
    meter.flush();
    result.commitUrl = commit.value("commitUrl", "");
    result.commitOid = commit.value("commitOid", "");
    return result;
}

}  // namespace studio::hf
