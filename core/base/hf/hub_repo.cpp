#include "base/hf/hub_repo.h"

#include <cctype>
#include <regex>

namespace studio::hf {

std::optional<RepoRef> parseDatasetSpec(const std::string& spec) {
    static const std::regex re(R"(^hf:([A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*)(@([A-Za-z0-9._/-]+))?$)");
    std::smatch m;
    if (!std::regex_match(spec, m, re)) return std::nullopt;
    RepoRef r;
    r.type = RepoType::Dataset;
    r.id = m[1].str();
    if (m[3].matched) r.revision = m[3].str();
    return r;
}

const char* apiSegment(RepoType type) {
    switch (type) {
        case RepoType::Model: return "models";
        case RepoType::Dataset: return "datasets";
        case RepoType::Space: return "spaces";
    }
    return "models";
}

const char* urlPrefix(RepoType type) {
    switch (type) {
        case RepoType::Model: return "";
        case RepoType::Dataset: return "datasets/";
        case RepoType::Space: return "spaces/";
    }
    return "";
}

const char* typeName(RepoType type) {
    switch (type) {
        case RepoType::Model: return "model";
        case RepoType::Dataset: return "dataset";
        case RepoType::Space: return "space";
    }
    return "model";
}

std::string hubEndpoint(const EnvMap& env) {
    std::string e = envValue(env, "HF_ENDPOINT").value_or("");
    while (!e.empty() && e.back() == '/') e.pop_back();
    return e.empty() ? kDefaultEndpoint : e;
}

std::string percentEncode(const std::string& s, bool keepSlash) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/')) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

std::string resolveUrl(const std::string& endpoint, const RepoRef& repo, const std::string& path) {
    return endpoint + "/" + urlPrefix(repo.type) + repo.id + "/resolve/" + percentEncode(repo.revision, false) +
           "/" + percentEncode(path, true);
}

std::string revisionInfoUrl(const std::string& endpoint, const RepoRef& repo) {
    return endpoint + "/api/" + apiSegment(repo.type) + "/" + repo.id + "/revision/" +
           percentEncode(repo.revision, false);
}

std::string treeUrl(const std::string& endpoint, const RepoRef& repo) {
    return endpoint + "/api/" + apiSegment(repo.type) + "/" + repo.id + "/tree/" +
           percentEncode(repo.revision, false) + "?recursive=true&expand=false";
}

bool isCommitHash(const std::string& rev) {
    static const std::regex re("^[0-9a-f]{40}$");
    return std::regex_match(rev, re);
}

std::string urlOrigin(const std::string& url) {
    static const std::regex re(R"(^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#@]*@)?(\[[^\]]+\]|[^/?#:]+)(:([0-9]+))?)");
    std::smatch m;
    if (!std::regex_search(url, m, re)) return "";
    std::string scheme = m[1].str(), host = m[3].str(), port = m[5].str();
    for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (port.empty()) port = scheme == "https" ? "443" : scheme == "http" ? "80" : "";
    return scheme + "://" + host + ":" + port;
}

std::string resolveLocation(const std::string& base, const std::string& location) {
    if (location.find("://") != std::string::npos) return location;
    const auto schemeEnd = base.find("://");
    if (schemeEnd == std::string::npos) return location;
    if (location.rfind("//", 0) == 0) return base.substr(0, schemeEnd + 1) + location;
    const auto pathStart = base.find('/', schemeEnd + 3);
    const std::string root = pathStart == std::string::npos ? base : base.substr(0, pathStart);
    if (!location.empty() && location[0] == '/') return root + location;
    // Relative to the base's folder.
    std::string path = pathStart == std::string::npos ? "/" : base.substr(pathStart);
    if (const auto q = path.find_first_of("?#"); q != std::string::npos) path.resize(q);
    path.resize(path.rfind('/') + 1);
    return root + path + location;
}

}  // namespace studio::hf
