#include <cstdio>

#include "train/cli/commands.h"

namespace studio::train {

int runModelSummaryCommand(const Args& /*args*/) {
    std::fprintf(stderr, "rfdetr-train model-summary: not available in this build yet (the model is still being written).\n");
    return kExitFailure;
}

}  // namespace studio::train
