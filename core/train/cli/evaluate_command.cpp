// evaluate: the COCO evaluator and its command line live in studio_base (base/eval), shared with
// the engine.
#include <iostream>

#include "base/eval/evaluate_cli.h"
#include "train/cli/commands.h"

namespace studio::train {

int runEvaluateCommand(const Args& args) {
    return runEvaluateCli(args, std::cout, std::cerr);
}

}  // namespace studio::train
