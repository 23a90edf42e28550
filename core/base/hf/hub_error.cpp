#include "base/hf/hub_error.h"

#include <nlohmann/json.hpp>

namespace studio::hf {

namespace {
// The Hub puts a message in X-Error-Message or in {"error": "..."}.
std::string serverMessage(const HttpResponse& r) {
    if (auto m = r.header("x-error-message"); m && !m->empty()) return *m;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
    if (j.is_object() && j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
    return "";
}
}  // namespace

HubError hubErrorFrom(const HttpResponse& r, const std::string& what, bool hasToken) {
    const std::string server = serverMessage(r);
    const std::string detail = server.empty() ? "" : " (the Hub says: " + server + ")";
    const std::string code = r.header("x-error-code").value_or("");
    const std::string tokenFix =
        "create a token at https://huggingface.co/settings/tokens and set HF_TOKEN (or run `hf auth login`)";
    if (r.status == 0) {
        return HubError(HubErrorKind::Network, what + " failed: no answer from the server: " + r.transportError,
                        "check the network connection and proxy settings (https_proxy), or HF_ENDPOINT if you set it; "
                        "the download resumes where it stopped when you run the command again");
    }
    switch (r.status) {
        case 401:
            if (!hasToken)
                return HubError(HubErrorKind::Unauthorized,
                                what + " failed: 401 Unauthorized — the repository is private or gated, or does not "
                                       "exist" + detail,
                                "check the name; for a private or gated repository " + tokenFix, 401);
            return HubError(HubErrorKind::Unauthorized,
                            what + " failed: 401 Unauthorized — the Hub rejected the token, or the repository does "
                                   "not exist or is not shared with you" + detail,
                            "check the repository name and that the token is valid (HF_TOKEN or the huggingface token "
                            "file); " + tokenFix, 401);
        case 403:
            return HubError(HubErrorKind::Forbidden,
                            what + " failed: 403 Forbidden — the token lacks the permission" + detail,
                            code == "GatedRepo" ? "accept the dataset's conditions on its Hugging Face page, then retry"
                                                : "use a token with write access for uploads (huggingface.co/settings/"
                                                  "tokens) or request access to the repository",
                            403);
        case 404: {
            std::string which = code == "RevisionNotFound" ? "the revision does not exist"
                                : code == "EntryNotFound"  ? "the file does not exist at this revision"
                                                           : "the repository or revision does not exist";
            return HubError(HubErrorKind::NotFound, what + " failed: 404 Not Found — " + which + detail,
                            hasToken ? "check the repository name (owner/name) and the revision after @"
                                     : "check the repository name (owner/name) and the revision after @; if it is "
                                       "private, " + tokenFix,
                            404);
        }
        case 409:
            return HubError(HubErrorKind::Conflict, what + " failed: 409 Conflict" + detail,
                            "another change happened at the same time or the name is taken; retry, or pick another "
                            "repository name",
                            409);
        case 429:
            return HubError(HubErrorKind::RateLimited, what + " failed: 429 Too Many Requests" + detail,
                            "wait a few minutes and run the command again (it resumes); a token raises the limits",
                            429);
        default: break;
    }
    if (r.status >= 500)
        return HubError(HubErrorKind::Server, what + " failed: the Hub answered " + std::to_string(r.status) + detail,
                        "the Hub has trouble right now; run the command again later (it resumes)", r.status);
    return HubError(HubErrorKind::Protocol, what + " failed: unexpected answer " + std::to_string(r.status) + detail,
                    "run the command again; if it persists, report it with this message", r.status);
}

}  // namespace studio::hf
