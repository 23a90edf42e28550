#include <cstdio>

#include "train/cli/commands.h"

namespace studio::train {

int runEvaluateCommand(const Args& /*args*/) {
    std::fprintf(stderr, "rfdetr-train evaluate: not available in this build yet (the COCO evaluator is still being written).\n");
    return kExitFailure;
}

}  // namespace studio::train
