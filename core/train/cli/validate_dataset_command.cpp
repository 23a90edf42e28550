// validate-dataset: the dataset checks live in studio_base (base/coco) so the GUI and tests share
// them.
#include <iostream>

#include "base/coco/validate_dataset_cli.h"
#include "train/cli/commands.h"

namespace studio::train {

int runValidateDatasetCommand(const Args& args) {
    return runValidateDatasetCli(args, std::cout, std::cerr);
}

}  // namespace studio::train
