#pragma once
// The Hub's REST API as the trainer needs it: resolve a revision, list a repository's files (following
// Link: rel="next" pages), and send requests with the token attached only for the Hub's own origin — a
// redirect to another host (CDN, signed storage URL) never receives it.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/hf/hub_error.h"
#include "base/hf/hub_repo.h"
#include "base/hf/http_client.h"

namespace studio::hf {

struct RetryPolicy {
    int maxAttempts = 6;        // per request / per download, counting the first
    double baseDelayS = 1.0;    // 1, 2, 4, 8, ... capped at maxDelayS
    double maxDelayS = 30.0;
    /// Delay before attempt `attempt` (1-based retry number), or the server's Retry-After when given.
    double delayS(int attempt, const HttpResponse* response = nullptr) const;
};

struct RepoFile {
    std::string path;          // "data/train-00000-of-00008.parquet"
    std::uint64_t size = 0;
    std::string etag;          // sha256 (LFS/Xet) or git blob sha1: the cache's blob name
    bool lfs = false;
};

struct HubClientOptions {
    std::string endpoint = kDefaultEndpoint;
    std::string token;         // secret ("" = anonymous)
    RetryPolicy retry;
    int maxRedirects = 10;
};

class HubClient {
public:
    explicit HubClient(HubClientOptions options);

    const std::string& endpoint() const { return m_options.endpoint; }
    bool hasToken() const { return !m_options.token.empty(); }
    const RetryPolicy& retry() const { return m_options.retry; }

    /// Sends `request`, following redirects; the token goes only to the endpoint's origin. Returns the
    /// final response (any status); `finalUrl` receives the URL that answered. Any thread.
    HttpResponse send(HttpRequest request, bool followRedirects = true, std::string* finalUrl = nullptr) const;
    /// Adds "Authorization: Bearer" to `request` when `url` is on the Hub's origin and a token is set.
    void authorize(HttpRequest& request) const;

    /// GET returning JSON; retries transient failures; throws HubError (naming `what`) otherwise.
    nlohmann::json getJson(const std::string& url, const std::string& what,
                           std::string* nextPage = nullptr) const;
    /// POST of a JSON (or other) body returning JSON; `extraHeaders` e.g. Content-Type. Throws HubError.
    nlohmann::json postJson(const std::string& url, const std::string& body, const std::string& what,
                            const std::vector<std::string>& extraHeaders = {},
                            long* statusOut = nullptr, bool allowConflict = false) const;

    /// The commit sha a revision points to (GET /api/{type}s/{id}/revision/{rev}).
    std::string resolveCommit(const RepoRef& repo) const;
    /// Every file of the repository at `repo.revision` (recursive tree, all pages).
    std::vector<RepoFile> listFiles(const RepoRef& repo) const;

private:
    HubClientOptions m_options;
    std::string m_origin;
};

/// The URL in a `Link: <url>; rel="next"` header, or "".
std::string nextPageLink(const std::string& linkHeader);

}  // namespace studio::hf
