#pragma once

namespace studio::train {

/// Entry point of rfdetr-train: dispatches subcommands, catches every exception, reports failures as
/// an error event + stderr message (+ TORCHELASTIC_ERROR_FILE), returns the process exit code.
int runCli(int argc, char** argv);

}  // namespace studio::train
