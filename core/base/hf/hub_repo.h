#pragma once
// Names of things on the Hugging Face Hub: the endpoint (HF_ENDPOINT), repository ids and types, the
// "hf:owner/name[@revision]" dataset spec, and the URLs of the REST API and file downloads.
#include <optional>
#include <string>

#include "base/util/env.h"

namespace studio::hf {

constexpr const char* kDefaultEndpoint = "https://huggingface.co";

enum class RepoType { Model, Dataset, Space };

struct RepoRef {
    RepoType type = RepoType::Dataset;
    std::string id;                 // "owner/name"
    std::string revision = "main";  // branch, tag or 40-hex commit
};

/// Parses "hf:owner/name[@revision]" (the RunConfig dataset spec); nullopt when it is not one.
std::optional<RepoRef> parseDatasetSpec(const std::string& spec);

/// "datasets" / "models" / "spaces" (the REST API path part).
const char* apiSegment(RepoType type);
/// "datasets/" / "" / "spaces/" (the prefix of file URLs).
const char* urlPrefix(RepoType type);
/// "dataset" / "model" / "space".
const char* typeName(RepoType type);

/// HF_ENDPOINT without a trailing slash, else https://huggingface.co.
std::string hubEndpoint(const EnvMap& env);

/// Percent-encodes every byte outside [A-Za-z0-9-._~]; `keepSlash` keeps '/' (file paths in URLs).
std::string percentEncode(const std::string& s, bool keepSlash);

/// {endpoint}/{prefix}{id}/resolve/{rev}/{path} (rev fully encoded, path with '/' kept).
std::string resolveUrl(const std::string& endpoint, const RepoRef& repo, const std::string& path);
/// {endpoint}/api/{type}s/{id}/revision/{rev}
std::string revisionInfoUrl(const std::string& endpoint, const RepoRef& repo);
/// {endpoint}/api/{type}s/{id}/tree/{rev}?recursive=true&expand=false
std::string treeUrl(const std::string& endpoint, const RepoRef& repo);

/// True when `rev` names a commit (40 hex) rather than a branch or tag.
bool isCommitHash(const std::string& rev);

/// "scheme://host:port" of a URL, lower-cased, with the default port made explicit; "" when unparsable.
std::string urlOrigin(const std::string& url);
/// Resolves a Location header against the URL it came from (absolute, scheme-relative or path).
std::string resolveLocation(const std::string& base, const std::string& location);

}  // namespace studio::hf
