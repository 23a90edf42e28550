#pragma once
// Environment access through a snapshot, so code that reads variables can be tested with a fake one.
#include <map>
#include <optional>
#include <string>

namespace studio {

using EnvMap = std::map<std::string, std::string>;

/// A copy of the process environment (environ).
EnvMap environmentSnapshot();
/// Value of `name` in `env`, or nullopt when unset.
std::optional<std::string> envValue(const EnvMap& env, const std::string& name);

}  // namespace studio
