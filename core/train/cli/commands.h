#pragma once
// rfdetr-train's subcommands. Each takes the arguments after its name and returns the exit code
// (0 ok, 1 failure, 2 bad usage or input). runCli() in cli.cpp dispatches and catches everything.
#include <string>
#include <vector>

namespace studio::train {

using Args = std::vector<std::string>;

int runTrainCommand(const Args& args);            // default: train (or --dry-run) with a RunConfig
int runValidateDatasetCommand(const Args& args);  // validate-dataset DIR
int runEvaluateCommand(const Args& args);         // evaluate --annotations GT --detections DT [--json]
int runModelSummaryCommand(const Args& args);     // model-summary --model-size S --num-classes N [--weights F]
int runPredictCommand(const Args& args);          // predict --weights F --image IMG [--threshold T] [--json]
int runFetchDatasetCommand(const Args& args);     // fetch-dataset hf:REPO[@rev] [--cache-dir DIR]
int runPlanCommand(const Args& args);             // plan: memory / speed prediction before launch
int runTensorboardCommand(const Args& args);      // tensorboard RUN_DIR [--port P]

/// Exit codes shared by all commands.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;

/// Thrown for bad user input that should exit with kExitUsage after printing `what()`.
struct UsageError : std::exception {
    explicit UsageError(std::string m) : message(std::move(m)) {}
    const char* what() const noexcept override { return message.c_str(); }
    std::string message;
};

/// "rfdetr-train 0.1.0 (LibTorch 1.13.0, CPU)".
std::string versionLine();

}  // namespace studio::train
