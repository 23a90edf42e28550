#include "train/engine/train_entry.h"

#include <cstdio>

namespace studio::train {

int trainFromConfig(const RunConfig& /*cfg*/, const Provenance& /*provenance*/, const RankContext& /*rank*/) {
    std::fprintf(stderr,
                 "rfdetr-train: training is not available in this build yet (the training engine is still being "
                 "written). Use --dry-run to check a configuration.\n");
    return 1;
}

}  // namespace studio::train
