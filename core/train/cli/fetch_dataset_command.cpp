#include <cstdio>

#include "train/cli/commands.h"

namespace studio::train {

int runFetchDatasetCommand(const Args& /*args*/) {
    std::fprintf(stderr, "rfdetr-train fetch-dataset: not available in this build yet (the Hugging Face client is still being written).\n");
    return kExitFailure;
}

}  // namespace studio::train
