#include "base/util/env.h"

extern char** environ;

namespace studio {

EnvMap environmentSnapshot() {
    EnvMap env;
    for (char** e = environ; e && *e; ++e) {
        const std::string kv(*e);
        const auto eq = kv.find('=');
        if (eq == std::string::npos) continue;
        env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
    }
    return env;
}

std::optional<std::string> envValue(const EnvMap& env, const std::string& name) {
    const auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
}

}  // namespace studio
