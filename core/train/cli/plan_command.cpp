#include <cstdio>

#include "train/cli/commands.h"

namespace studio::train {

int runPlanCommand(const Args& /*args*/) {
    std::fprintf(stderr, "rfdetr-train plan: not available in this build yet (the memory/speed planner is still being written).\n");
    return kExitFailure;
}

}  // namespace studio::train
