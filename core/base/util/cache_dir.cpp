#include "base/util/cache_dir.h"

#include <stdexcept>

namespace studio {

std::string studioCacheDir(const std::string& cacheDir, const EnvMap& env) {
    if (!cacheDir.empty()) return cacheDir;
    if (auto xdg = envValue(env, "XDG_CACHE_HOME"); xdg && !xdg->empty()) return *xdg + "/rfdetr-studio";
    if (auto home = envValue(env, "HOME"); home && !home->empty()) return *home + "/.cache/rfdetr-studio";
    throw std::runtime_error(
        "no cache folder: CACHE_DIR (--cache-dir) is empty and neither XDG_CACHE_HOME nor HOME is set. "
        "Fix: pass --cache-dir DIR or set CACHE_DIR");
}

std::string studioCacheDir(const std::string& cacheDir) {
    return studioCacheDir(cacheDir, environmentSnapshot());
}

}  // namespace studio
