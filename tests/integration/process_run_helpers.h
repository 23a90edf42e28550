#pragma once
// Helpers shared by the tests that run the real rfdetr-train (path in RFDETR_TRAIN): a clean environment,
// running it to the end with a timeout, and the events of one type from its stdout (JSON lines).
#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>

#include <vector>

namespace studio::testing {

struct ProcessResult {
    int exitCode = -1;  // -1: crashed, -2: timed out (killed)
    QByteArray out, err;
};

/// The system environment without the variables rfdetr-train reads (the guide's settings, the launcher's and
/// torchrun's / SLURM's rank variables, thread counts, Hub credentials), so the developer's shell cannot leak
/// into a test's configuration.
inline QProcessEnvironment trainerFreeEnvironment() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* v : {"NUM_GPUS", "BATCH_SIZE", "GRAD_ACCUM_STEPS", "MODEL_SIZE", "EPOCHS", "LEARNING_RATE",
                          "NUM_WORKERS", "RESUME_CHECKPOINT", "OUTPUT_DIR", "CACHE_DIR", "HF_TOKEN", "HF_USERNAME",
                          "DATASET", "DEVICE", "RESOLUTION", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE",
                          "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID", "OMP_NUM_THREADS", "TORCHELASTIC_RUN_ID"})
        env.remove(v);
    return env;
}

/// Runs rfdetr-train with `args` in `env` until it exits or `timeoutMs` passed (then kills it). Main thread.
inline ProcessResult runTrainer(const QStringList& args, const QProcessEnvironment& env, int timeoutMs) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(qEnvironmentVariable("RFDETR_TRAIN"), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {-2, p.readAllStandardOutput(), p.readAllStandardError()};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

/// The events of `type` among the JSON lines of `out`, in order.
inline std::vector<QJsonObject> eventsOfType(const QByteArray& out, const QString& type) {
    std::vector<QJsonObject> found;
    for (const QByteArray& line : out.split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.value("type").toString() == type) found.push_back(o);
    }
    return found;
}

}  // namespace studio::testing
