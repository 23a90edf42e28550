// tensorboard RUN_DIR [--port P]: serves a run's TensorBoard scalars (<RUN_DIR>/tb) on 127.0.0.1 until
// interrupted (Ctrl-C, SIGTERM from the Studio) or until TensorBoard exits; the server never outlives us.
// stdout gets the URL alone (one line, for the GUI); everything else goes to stderr.
#include <signal.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "base/cli/options.h"
#include "base/tb/tensorboard_server.h"
#include "train/cli/commands.h"

namespace studio::train {

namespace {

volatile std::sig_atomic_t g_stop = 0;
void onSignal(int) { g_stop = 1; }

const std::vector<OptionSpec>& tensorboardOptions() {
    static const std::vector<OptionSpec> specs = {
        {"--port", true, "P", "preferred port (default 6006; the next free one when it is taken)"},
        {"--help", false, "", "show this help"},
    };
    return specs;
}

[[noreturn]] void usage(const std::string& message) {
    throw UsageError("rfdetr-train tensorboard: " + message + "\n(see rfdetr-train tensorboard --help)");
}

}  // namespace

int runTensorboardCommand(const Args& args) {
    const ParsedOptions o = parseOptions(args, tensorboardOptions());
    if (o.flag("--help")) {
        std::cout << "Usage: rfdetr-train tensorboard RUN_DIR [--port P]\n\n"
                     "Starts `tensorboard --logdir RUN_DIR/tb --host 127.0.0.1 --port P` (TensorBoard must be on\n"
                     "PATH: pip install tensorboard), prints its URL and keeps it running until Ctrl-C or SIGTERM,\n"
                     "then stops it. While training, --serve-tensorboard does the same for the run's duration.\n\n"
                     "Options:\n"
                  << formatOptionHelp(tensorboardOptions())
                  << "\nExit codes: 0 stopped on request, 1 TensorBoard missing or it stopped on its own, 2 bad input.\n";
        return kExitOk;
    }
    if (hasErrors(o.problems)) usage(formatProblems(o.problems));
    if (o.positionals.size() != 1) usage("give exactly one run folder (RUN_DIR)");
    const std::string runDir = o.positionals[0];
    int port = 6006;
    if (auto p = o.get("--port")) {
        try {
            std::size_t used = 0;
            port = std::stoi(*p, &used);
            if (used != p->size()) port = -1;
        } catch (const std::exception&) {
            port = -1;
        }
        if (port < 1 || port > 65535) usage("--port " + *p + ": expected a TCP port, 1-65535");
    }
    namespace fs = std::filesystem;
    if (!fs::is_directory(runDir)) usage(runDir + ": no such run folder (give the --output-dir of a run)");
    if (!fs::is_directory(runDir + "/tb"))
        std::cerr << "rfdetr-train tensorboard: " << runDir
                  << "/tb does not exist yet (the run has not written scalars, or it was trained with "
                     "--no-tensorboard); TensorBoard shows it once it appears.\n";

    struct sigaction sa {};
    sa.sa_handler = onSignal;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    std::unique_ptr<TensorboardServer> server;
    try {
        server = TensorboardServer::start(runTensorboardOptions(runDir, port));
    } catch (const std::exception& e) {
        std::cerr << "rfdetr-train tensorboard: " << e.what() << "\n";
        return kExitFailure;
    }
    if (server->port() != port)
        std::cerr << "rfdetr-train tensorboard: port " << port << " is taken; using " << server->port() << "\n";
    std::cout << server->url() << std::endl;
    std::cerr << "TensorBoard for " << runDir << " at " << server->url() << " — Ctrl-C stops it.\n";
    while (!g_stop) {
        if (!server->running()) {
            std::cerr << "rfdetr-train tensorboard: TensorBoard stopped on its own; its output is in " << runDir
                      << "/logs/tensorboard.log\n";
            return kExitFailure;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    server->stop();
    return kExitOk;
}

}  // namespace studio::train
