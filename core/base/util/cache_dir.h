#pragma once
// Where RF-DETR Studio keeps derived data (demo dataset, prepared Hub datasets, index caches).
#include <string>

#include "base/util/env.h"

namespace studio {

/// `cacheDir` when not empty (RunConfig::cacheDir, CACHE_DIR), else $XDG_CACHE_HOME/rfdetr-studio, else
/// $HOME/.cache/rfdetr-studio. A relative `cacheDir` is kept as given (relative to the working folder).
/// Throws std::runtime_error when nothing applies (no HOME either). Any thread.
std::string studioCacheDir(const std::string& cacheDir, const EnvMap& env);

/// Same, reading the process environment.
std::string studioCacheDir(const std::string& cacheDir);

}  // namespace studio
