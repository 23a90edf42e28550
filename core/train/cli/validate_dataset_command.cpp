#include <cstdio>

#include "train/cli/commands.h"

namespace studio::train {

int runValidateDatasetCommand(const Args& /*args*/) {
    std::fprintf(stderr, "rfdetr-train validate-dataset: not available in this build yet (the dataset validator is still being written).\n");
    return kExitFailure;
}

}  // namespace studio::train
