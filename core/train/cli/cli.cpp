#include "train/cli/cli.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <thread>

#include <ATen/Parallel.h>
#include <torch/version.h>

#include "base/dist/error_file.h"
#include "base/events/event_writer.h"
#include "base/log/log.h"
#include "base/util/env.h"
#include "studio_version.h"
#include "train/cli/commands.h"

namespace studio::train {

std::string versionLine() {
    std::string device = "CPU";
#ifdef STUDIO_TORCH_CUDA
    device = "CUDA";
#endif
    return std::string("rfdetr-train ") + STUDIO_VERSION + " (LibTorch " + TORCH_VERSION + ", " + device + ")";
}

namespace {

struct Command {
    const char* name;
    const char* summary;
    std::function<int(const Args&)> run;
};

const std::vector<Command>& commands() {
    static const std::vector<Command> cmds = {
        {"train", "train a model (the default when no command is given); --dry-run plans only", runTrainCommand},
        {"validate-dataset", "check a COCO dataset folder and print a summary", runValidateDatasetCommand},
        {"evaluate", "COCO bbox evaluation of a detections file (pycocotools semantics)", runEvaluateCommand},
        {"model-summary", "parameters, resolution and checkpoint contents of a model", runModelSummaryCommand},
        {"predict", "run a checkpoint on an image and print or draw the detections", runPredictCommand},
        {"fetch-dataset", "download and verify a Hugging Face dataset into the cache", runFetchDatasetCommand},
        {"plan", "predict GPU memory and speed for a configuration from a short probe", runPlanCommand},
        {"tensorboard", "serve a run's TensorBoard scalars on 127.0.0.1 until interrupted", runTensorboardCommand},
    };
    return cmds;
}

void printGlobalHelp() {
    std::cout << "Usage: rfdetr-train [COMMAND] [OPTIONS]\n\n"
                 "Trains RF-DETR object detectors (small / medium / large) with LibTorch on CPUs or GPUs.\n"
                 "Without a command, trains: see 'rfdetr-train train --help' for every training option and\n"
                 "the environment variables of train_rfdetr_full.sh it honours.\n\nCommands:\n";
    for (const auto& c : commands()) {
        std::string name = std::string("  ") + c.name;
        name.resize(22, ' ');
        std::cout << name << c.summary << "\n";
    }
    std::cout << "\nGeneral options:\n"
                 "  --help                show help (per command: rfdetr-train COMMAND --help)\n"
                 "  --version             print the version and exit\n\n"
                 "Exit codes: 0 success, 1 failure, 2 invalid input, 130 interrupted.\n";
}

void reportFatal(const std::string& type, const std::string& message, const std::string& hint) {
    std::fprintf(stderr, "rfdetr-train: error: %s\n", message.c_str());
    if (!hint.empty()) std::fprintf(stderr, "  hint: %s\n", hint.c_str());
    ErrorEvent e;
    e.message = message;
    e.hint = hint;
    const EnvMap env = environmentSnapshot();
    if (auto r = envValue(env, "RANK")) e.rank = std::atoi(r->c_str());
    events().publish(e);
    if (auto f = envValue(env, "TORCHELASTIC_ERROR_FILE"); f && !f->empty())
        writeTorchElasticErrorFile(*f, type, message);
}

}  // namespace

int runCli(int argc, char** argv) {
    // LibTorch 1.13 uses hardware_concurrency()/2 threads (1 on a 2-core VM) unless told otherwise.
    if (!std::getenv("OMP_NUM_THREADS")) at::set_num_threads(static_cast<int>(std::thread::hardware_concurrency()));

    Args args(argv + 1, argv + argc);
    if (!args.empty() && (args[0] == "--version" || args[0] == "-V")) {
        std::cout << versionLine() << "\n";
        return kExitOk;
    }
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
        printGlobalHelp();
        return kExitOk;
    }
    const Command* cmd = &commands().front();
    if (!args.empty() && args[0].rfind("-", 0) != 0) {
        cmd = nullptr;
        for (const auto& c : commands()) {
            if (args[0] == c.name) cmd = &c;
        }
        if (!cmd) {
            std::fprintf(stderr, "rfdetr-train: unknown command '%s' (see rfdetr-train --help)\n", args[0].c_str());
            return kExitUsage;
        }
        args.erase(args.begin());
    }
    try {
        return cmd->run(args);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "%s", e.message.c_str());
        if (!e.message.empty() && e.message.back() != '\n') std::fputc('\n', stderr);
        return kExitUsage;
    } catch (const std::bad_alloc&) {
        reportFatal("MemoryError", "out of host memory",
                    "reduce --batch-size or --num-workers, or use a smaller --resolution");
        return kExitFailure;
    } catch (const std::exception& e) {
        // c10::Error messages carry a C++ backtrace after the first line: keep the first lines.
        std::string msg = e.what();
        if (const auto pos = msg.find("\nException raised from"); pos != std::string::npos) msg.resize(pos);
        reportFatal("RuntimeError", msg, "");
        return kExitFailure;
    } catch (...) {
        reportFatal("RuntimeError", "unknown error", "");
        return kExitFailure;
    }
}

}  // namespace studio::train
