#include "base/gpu/gpu_identity.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace studio {

std::string localHostName() {
    char host[256] = {0};
    return ::gethostname(host, sizeof host - 1) == 0 ? std::string(host) : std::string();
}

int physicalGpuIndex(int cudaIndex) {
    if (cudaIndex < 0) return -1;
    const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
    if (!visible || !*visible) return cudaIndex;
    std::stringstream ss(visible);
    std::string item;
    for (int i = 0; std::getline(ss, item, ','); ++i) {
        if (i != cudaIndex) continue;
        char* end = nullptr;
        const long v = std::strtol(item.c_str(), &end, 10);
        return end != item.c_str() && *end == '\0' && v >= 0 ? static_cast<int>(v) : -1;  // a UUID: unknown
    }
    return -1;
}

}  // namespace studio
