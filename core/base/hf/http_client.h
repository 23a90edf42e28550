#pragma once
// One HTTP exchange over libcurl, nothing more: no redirects followed (HubSession decides where the token
// may go), response headers collected, a successful body streamed to a sink or kept in memory, request
// bodies from memory or a byte range of a file. Secrets never appear in errors: only the URL's origin.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace studio::hf {

struct FileRange {
    std::string path;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

struct HttpRequest {
    std::string method = "GET";             // GET, HEAD, POST, PUT
    std::string url;
    std::vector<std::string> headers;       // "Name: value"
    std::string body;                       // request body (POST/PUT) when `fileBody` is unset
    std::optional<FileRange> fileBody;      // request body read from a file (large uploads)
    /// Receives the body of a 2xx answer as it arrives; return false to abort the transfer.
    std::function<bool(const char* data, std::size_t size)> onBody;
    /// Called once before the first body byte of a 2xx answer (status and headers known); false aborts.
    std::function<bool(long status, const struct HttpResponse& response)> onStart;
    /// Upload progress (bytes sent so far) for request bodies.
    std::function<void(std::uint64_t sent)> onSent;
    long connectTimeoutS = 15;
    long lowSpeedTimeS = 60;                // abort when under 1 byte/s for this long (a stalled transfer)
    long totalTimeoutS = 0;                 // 0 = none (large downloads)
};

struct HttpResponse {
    long status = 0;                        // 0 = no answer (see transportError)
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
    std::string body;                       // non-2xx bodies, and 2xx bodies without onBody (capped)
    std::string transportError;             // libcurl's reason when status == 0 or the transfer broke
    bool aborted = false;                   // the sink asked to stop
    std::uint64_t bodyBytes = 0;            // body bytes received

    /// Last value of a header (name in any case).
    std::optional<std::string> header(const std::string& name) const;
    bool ok() const { return status >= 200 && status < 300 && transportError.empty() && !aborted; }
    bool isRedirect() const { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }
};

/// Sends one request; never throws for HTTP or network failures (they are in the response). Any thread;
/// each call uses its own curl handle.
HttpResponse performHttp(const HttpRequest& request);

/// "https://host:443/path" without query or credentials, for messages (signed URLs carry secrets).
std::string redactUrl(const std::string& url);

}  // namespace studio::hf
