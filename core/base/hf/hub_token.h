#pragma once
// Where a Hugging Face token comes from, in huggingface_hub's order: HF_TOKEN, HUGGING_FACE_HUB_TOKEN,
// then the token file (HF_TOKEN_PATH, else $HF_HOME/token, else $XDG_CACHE_HOME/huggingface/token, else
// ~/.cache/huggingface/token). The token itself is a secret: only `describe()` is ever shown.
#include <optional>
#include <string>

#include "base/util/env.h"

namespace studio::hf {

struct HubToken {
    std::string value;   // secret: never print, log or save
    std::string source;  // "HF_TOKEN", "--hf-token", "/root/.cache/huggingface/token", ...

    bool empty() const { return value.empty(); }
    /// "a token from HF_TOKEN" — what may be shown instead of the token.
    std::string describe() const;
};

/// $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
std::string hfHome(const EnvMap& env);
/// The token file huggingface_hub reads and `hf auth login` writes.
std::string tokenFilePath(const EnvMap& env);

/// The explicit token (the RunConfig's hf_token, from --hf-token/HF_TOKEN/config) if non-empty, else the
/// environment and the token file as huggingface_hub looks them up. nullopt when there is none. Any thread.
std::optional<HubToken> findHubToken(const std::string& explicitToken, const EnvMap& env);

}  // namespace studio::hf
