#pragma once
// Failures talking to the Hub, each with what happened and what the user can do about it.
#include <stdexcept>
#include <string>

#include "base/hf/http_client.h"

namespace studio::hf {

enum class HubErrorKind {
    Network,        // no answer (DNS, refused, timeout)
    Unauthorized,   // 401: no token, a wrong token, or a private/gated repo without access
    Forbidden,      // 403: the token lacks the permission (e.g. read-only token for an upload)
    NotFound,       // 404: repo, revision or file missing
    Conflict,       // 409
    RateLimited,    // 429
    Server,         // 5xx
    Integrity,      // size or checksum mismatch
    Disk,           // cannot write the cache (disk full, quota, permissions)
    Protocol,       // an answer we do not understand
};

class HubError : public std::runtime_error {
public:
    HubError(HubErrorKind kind, const std::string& message, std::string fix, long httpStatus = 0)
        : std::runtime_error(message), m_kind(kind), m_fix(std::move(fix)), m_status(httpStatus) {}
    HubErrorKind kind() const { return m_kind; }
    /// What the user can do ("set HF_TOKEN to ...").
    const std::string& fix() const { return m_fix; }
    long httpStatus() const { return m_status; }
    /// Worth retrying with backoff (network trouble, 429, 5xx).
    bool transient() const {
        return m_kind == HubErrorKind::Network || m_kind == HubErrorKind::RateLimited || m_kind == HubErrorKind::Server;
    }

private:
    HubErrorKind m_kind;
    std::string m_fix;
    long m_status;
};

/// Turns a failed response into a HubError; `what` names the request ("listing files of dataset x/y"),
/// `hasToken` tells whether a token was sent (changes the advice for 401/404).
HubError hubErrorFrom(const HttpResponse& response, const std::string& what, bool hasToken);

}  // namespace studio::hf
