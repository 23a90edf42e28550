#include <cstdio>

#include "train/cli/commands.h"

namespace studio::train {

int runPredictCommand(const Args& /*args*/) {
    std::fprintf(stderr, "rfdetr-train predict: not available in this build yet (the model is still being written).\n");
    return kExitFailure;
}

}  // namespace studio::train
