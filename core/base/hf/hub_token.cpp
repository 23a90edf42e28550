#include "base/hf/hub_token.h"

#include <fstream>
#include <sstream>

namespace studio::hf {

namespace {
std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::string nonEmpty(const EnvMap& env, const char* name) { return trim(envValue(env, name).value_or("")); }
}  // namespace

std::string HubToken::describe() const { return "a token from " + source; }

std::string hfHome(const EnvMap& env) {
    if (auto v = nonEmpty(env, "HF_HOME"); !v.empty()) return v;
    if (auto v = nonEmpty(env, "XDG_CACHE_HOME"); !v.empty()) return v + "/huggingface";
    return nonEmpty(env, "HOME") + "/.cache/huggingface";
}

std::string tokenFilePath(const EnvMap& env) {
    if (auto v = nonEmpty(env, "HF_TOKEN_PATH"); !v.empty()) return v;
    return hfHome(env) + "/token";
}

std::optional<HubToken> findHubToken(const std::string& explicitToken, const EnvMap& env) {
    if (auto v = trim(explicitToken); !v.empty()) return HubToken{v, "the hf_token setting"};
    for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
        if (auto v = nonEmpty(env, name); !v.empty()) return HubToken{v, name};
    }
    const std::string path = tokenFilePath(env);
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (auto v = trim(ss.str()); !v.empty()) return HubToken{v, path};
    return std::nullopt;
}

}  // namespace studio::hf
