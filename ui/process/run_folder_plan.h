#pragma once
// Before a run starts: the checks on its output folder (usable, not held by another trainer, not another
// run's folder unless resuming), config.json written atomically (secrets left out), and the trainer's
// command line and environment (the seed's variables removed so the Studio's values are the ones that
// train; the Hugging Face token only in the environment).
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include "base/config/run_config.h"
#include "ui/process/trainer_process.h"

namespace studio::ui {

struct RunFolderPlan {
    RunConfig config;     // with an absolute output_dir and the resume setting
    QString runDir;       // absolute
    QString configPath;   // <runDir>/config.json, written
    QString error;        // why nothing was started or written ("" = ready)
};

/// Checks the output folder and writes its config.json; on any problem writes nothing. GUI thread.
RunFolderPlan prepareRunFolder(const RunConfig& config, bool resume);

/// The trainer's launch: `args` after the program, `base` environment scrubbed of the seed's variables.
TrainerLaunch makeTrainerLaunch(const QString& trainer, const QStringList& args, const QString& runDir,
                                const RunConfig& config, QProcessEnvironment base);

}  // namespace studio::ui
