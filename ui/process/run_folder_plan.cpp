#include "ui/process/run_folder_plan.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>

#include <nlohmann/json.hpp>

#include "base/config/config_fields.h"
#include "base/config/config_loader.h"
#include "base/config/validate.h"
#include "base/run/run_folder.h"
#include "base/util/atomic_file.h"

namespace studio::ui {

RunFolderPlan prepareRunFolder(const RunConfig& config, bool resume) {
    RunFolderPlan plan;
    if (config.outputDir.empty()) {
        plan.error = QObject::tr("Choose an output folder for the run.");
        return plan;
    }
    plan.config = config;
    plan.runDir = QFileInfo(QString::fromStdString(config.outputDir)).absoluteFilePath();
    plan.config.outputDir = plan.runDir.toStdString();
    const std::string dir = plan.config.outputDir;
    if (const auto problems = checkWritableDir(dir, "Output folder"); !problems.empty()) {
        plan.error = QString::fromStdString(problems.front().toString());
        return plan;
    }
    long long pid = 0;
    if (runIsLocked(dir, &pid)) {
        plan.error = QObject::tr("Another trainer (pid %1) is training in %2. Open the folder under Runs to watch "
                                 "it, or choose another output folder.").arg(pid).arg(plan.runDir);
        return plan;
    }
    if (!resume && holdsRun(dir)) {
        plan.error = QObject::tr("%1 already holds a run (events or checkpoints). Resume it, or choose a new output "
                                 "folder: a fresh start never overwrites a run.").arg(plan.runDir);
        return plan;
    }
    setResumeSetting(plan.config, resume ? "auto" : "");
    nlohmann::json j = runConfigToJson(plan.config, false);
    for (const auto& f : configFields()) {
        if (f.secret) j.erase(f.key);  // secrets travel only through the environment
    }
    plan.configPath = plan.runDir + QStringLiteral("/config.json");
    try {
        QDir().mkpath(plan.runDir);
        writeFileAtomic(plan.configPath.toStdString(), j.dump(2) + "\n");
    } catch (const std::exception& e) {
        plan.error = QObject::tr("Could not write the run's config: %1").arg(QString::fromStdString(e.what()));
    }
    return plan;
}

TrainerLaunch makeTrainerLaunch(const QString& trainer, const QStringList& args, const QString& runDir,
                                const RunConfig& config, QProcessEnvironment base) {
    TrainerLaunch spec;
    spec.program = trainer;
    spec.arguments = args;
    spec.workingDirectory = runDir;
    // The seed's variables outrank config.json in the trainer: without this, a BATCH_SIZE exported in the
    // shell that started the Studio would silently replace the value on screen.
    for (const auto& f : configFields()) {
        if (!f.envVar.empty()) base.remove(QString::fromStdString(f.envVar));
    }
    base.remove(QStringLiteral("RESUME_CHECKPOINT"));
    if (!config.hfToken.empty()) base.insert(QStringLiteral("HF_TOKEN"), QString::fromStdString(config.hfToken));
    spec.environment = base;
    return spec;
}

}  // namespace studio::ui
