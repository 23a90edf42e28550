// rfdetr-train: the headless trainer. All logic lives in studio_train (core/train/cli).
#include "train/cli/cli.h"

int main(int argc, char** argv) { return studio::train::runCli(argc, argv); }
