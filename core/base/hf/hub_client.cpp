#include "base/hf/hub_client.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <regex>
#include <thread>

#include "base/hf/hashing.h"
#include "base/log/log.h"

namespace studio::hf {

using nlohmann::json;

double RetryPolicy::delayS(int attempt, const HttpResponse* response) const {
    if (response) {
        if (auto ra = response->header("retry-after")) {
            char* end = nullptr;
            const double s = std::strtod(ra->c_str(), &end);
            if (end != ra->c_str() && s >= 0) return std::min(s, maxDelayS);
        }
    }
    return std::min(maxDelayS, baseDelayS * std::pow(2.0, std::max(0, attempt - 1)));
}

std::string nextPageLink(const std::string& linkHeader) {
    static const std::regex re(R"re(<([^>]*)>\s*;[^,]*rel="?next"?)re");
    std::smatch m;
    return std::regex_search(linkHeader, m, re) ? m[1].str() : "";
}

HubClient::HubClient(HubClientOptions options) : m_options(std::move(options)) {
    while (!m_options.endpoint.empty() && m_options.endpoint.back() == '/') m_options.endpoint.pop_back();
    m_origin = urlOrigin(m_options.endpoint);
}

void HubClient::authorize(HttpRequest& request) const {
    request.headers.erase(std::remove_if(request.headers.begin(), request.headers.end(),
                                         [](const std::string& h) {
                                             return h.size() >= 14 && (h.compare(0, 14, "Authorization:") == 0 ||
                                                                       h.compare(0, 14, "authorization:") == 0);
                                         }),
                          request.headers.end());
    if (!m_options.token.empty() && !m_origin.empty() && urlOrigin(request.url) == m_origin)
        request.headers.push_back("Authorization: Bearer " + m_options.token);
}

HttpResponse HubClient::send(HttpRequest request, bool followRedirects, std::string* finalUrl) const {
    for (int hop = 0;; ++hop) {
        authorize(request);
        HttpResponse r = performHttp(request);
        if (!followRedirects || !r.isRedirect() || hop >= m_options.maxRedirects) {
            if (finalUrl) *finalUrl = request.url;
            return r;
        }
        const auto location = r.header("location");
        if (!location) {
            if (finalUrl) *finalUrl = request.url;
            return r;
        }
        request.url = resolveLocation(request.url, *location);
        if (r.status == 303) {
            request.method = "GET";
            request.body.clear();
            request.fileBody.reset();
        }
    }
}

json HubClient::getJson(const std::string& url, const std::string& what, std::string* nextPage) const {
    for (int attempt = 1;; ++attempt) {
        HttpRequest req;
        req.url = url;
        req.headers.push_back("Accept: application/json");
        req.totalTimeoutS = 120;
        const HttpResponse r = send(req);
        if (r.ok()) {
            json j = json::parse(r.body, nullptr, false);
            if (j.is_discarded())
                throw HubError(HubErrorKind::Protocol, what + ": the Hub's answer is not JSON",
                               "check HF_ENDPOINT points at a Hugging Face Hub");
            if (nextPage) *nextPage = nextPageLink(r.header("link").value_or(""));
            return j;
        }
        HubError e = hubErrorFrom(r, what, hasToken());
        if (!e.transient() || attempt >= m_options.retry.maxAttempts) throw e;
        const double d = m_options.retry.delayS(attempt, &r);
        logger().warn("{} (attempt {}/{}); retrying in {:.1f} s", e.what(), attempt, m_options.retry.maxAttempts, d);
        std::this_thread::sleep_for(std::chrono::duration<double>(d));
    }
}

json HubClient::postJson(const std::string& url, const std::string& body, const std::string& what,
                         const std::vector<std::string>& extraHeaders, long* statusOut, bool allowConflict) const {
    for (int attempt = 1;; ++attempt) {
        HttpRequest req;
        req.method = "POST";
        req.url = url;
        req.body = body;
        req.headers = extraHeaders;
        if (std::none_of(req.headers.begin(), req.headers.end(),
                         [](const std::string& h) { return h.rfind("Content-Type:", 0) == 0; }))
            req.headers.push_back("Content-Type: application/json");
        req.totalTimeoutS = 300;
        const HttpResponse r = send(req, false);
        if (statusOut) *statusOut = r.status;
        if (r.ok() || (allowConflict && r.status == 409)) {
            json j = json::parse(r.body.empty() ? "{}" : r.body, nullptr, false);
            return j.is_discarded() ? json::object() : j;
        }
        HubError e = hubErrorFrom(r, what, hasToken());
        if (!e.transient() || attempt >= m_options.retry.maxAttempts) throw e;
        const double d = m_options.retry.delayS(attempt, &r);
        logger().warn("{} (attempt {}/{}); retrying in {:.1f} s", e.what(), attempt, m_options.retry.maxAttempts, d);
        std::this_thread::sleep_for(std::chrono::duration<double>(d));
    }
}

std::string HubClient::resolveCommit(const RepoRef& repo) const {
    const std::string what = std::string("resolving ") + typeName(repo.type) + " " + repo.id + "@" + repo.revision;
    const json j = getJson(revisionInfoUrl(m_options.endpoint, repo), what);
    if (!j.is_object() || !j.contains("sha") || !j["sha"].is_string() || !isCommitHash(j["sha"].get<std::string>()))
        throw HubError(HubErrorKind::Protocol, what + ": the answer has no commit sha",
                       "check HF_ENDPOINT points at a Hugging Face Hub");
    return j["sha"].get<std::string>();
}

std::vector<RepoFile> HubClient::listFiles(const RepoRef& repo) const {
    const std::string what = std::string("listing the files of ") + typeName(repo.type) + " " + repo.id + "@" +
                             repo.revision;
    std::vector<RepoFile> files;
    std::string url = treeUrl(m_options.endpoint, repo);
    for (int page = 0; !url.empty(); ++page) {
        if (page > 100000) throw HubError(HubErrorKind::Protocol, what + ": endless pagination", "report this");
        std::string next;
        const json j = getJson(url, what, &next);
        if (!j.is_array())
            throw HubError(HubErrorKind::Protocol, what + ": expected a JSON list of files",
                           "check HF_ENDPOINT points at a Hugging Face Hub");
        for (const auto& e : j) {
            if (!e.is_object() || e.value("type", "") != "file") continue;
            RepoFile f;
            f.path = e.value("path", "");
            f.size = e.value("size", std::uint64_t{0});
            f.etag = e.value("oid", "");
            if (e.contains("lfs") && e["lfs"].is_object()) {
                f.lfs = true;
                f.etag = e["lfs"].value("oid", f.etag);
                f.size = e["lfs"].value("size", f.size);
            }
            if (f.path.empty() || (!isSha256Hex(f.etag) && !isSha1Hex(f.etag)))
                throw HubError(HubErrorKind::Protocol, what + ": an entry has no path or checksum",
                               "check HF_ENDPOINT points at a Hugging Face Hub");
            files.push_back(std::move(f));
        }
        url = next.empty() ? "" : resolveLocation(url, next);
    }
    return files;
}

}  // namespace studio::hf
