#include "train/engine/test_hooks.h"

#include <c10/util/Exception.h>

#include <cstdlib>

#include "base/log/log.h"
#include "train/engine/run_setup.h"

namespace studio::train {

long long parseInjectStep(const std::string& text) {
    if (text.empty() || text.size() > 15) return -1;
    long long v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v >= 1 ? v : -1;
}

std::function<void(long long, int)> testHooksFromEnvironment() {
    const char* raw = std::getenv(kInjectOomEnv);
    if (!raw) return {};
    const long long at = parseInjectStep(raw);
    if (at < 0)
        throw SetupError(std::string("the test hook ") + kInjectOomEnv + " is not a step number",
                         {{Severity::Error, kInjectOomEnv, raw, "is not a whole number >= 1",
                           std::string("unset ") + kInjectOomEnv + " (it is a test hook), or give the optimiser step (from 1)"}});
    logger().warn("test hook {}={}: optimiser step {} will run out of memory on purpose", kInjectOomEnv, at, at);
    return [at](long long step, int microBatch) {  // `step`: 0-based, the optimiser step about to be taken
        if (step + 1 != at || microBatch != 0) return;
        TORCH_CHECK_WITH(OutOfMemoryError, false, "out of memory (injected by the test hook ", kInjectOomEnv, "=", at, ")");
    };
}

}  // namespace studio::train
