// rfdetr-train: the headless trainer (no Qt). All logic lives in studio_train (core/train/cli).
#include "base/runtime/cpu_runtime_env.h"
#include "train/cli/cli.h"

int main(int argc, char** argv) {
    studio::applyCpuRuntimeEnv(argv);  // may re-execute this program once with faster CPU math settings
    return studio::train::runCli(argc, argv);
}
