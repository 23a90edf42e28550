#pragma once
// "Predict memory/speed": runs `rfdetr-train plan --config <tmp>/config.json --json` (the trainer probes a few
// steps on the chosen device) and reads its one JSON object (format: shared agreement in docs/ARCHITECTURE.md).
#include <QObject>
#include <QString>
#include <QTemporaryDir>
#include <memory>
#include <optional>

#include "base/config/run_config.h"
#include "ui/process/command_runner.h"

namespace studio::ui {

struct PlanResult {
    QString device, deviceName, modelSize;
    int resolution = 0, batchSize = 0, numGpus = 1;
    double peakMemoryBytes = 0, deviceMemoryBytes = 0;   // device memory 0 = unknown
    double imagesPerS = 0;                               // all devices together
    bool fits = true, cached = false;
    int suggestedBatch = 0, suggestedAccum = 0;          // 0 = none
};

/// Parses the plan command's JSON (the last JSON object on stdout); nullopt with `error` set when it is not
/// one. Any thread.
std::optional<PlanResult> parsePlanJson(const QByteArray& stdoutBytes, QString* error);
/// "Predicted peak 11.2 GiB of 80.0 GiB per GPU (H100) · 45.3 img/s — fits" for the calculator. Any thread.
QString planText(const PlanResult& plan);

class PlanRunner : public QObject {
    Q_OBJECT
public:
    explicit PlanRunner(TrainerProcessFactory factory, QObject* parent = nullptr);
    ~PlanRunner() override;

    void setTrainerPath(const QString& path) { m_trainer = path; }
    /// Starts the probe for `config` (a previous one is cancelled). Returns false with `error` when it cannot
    /// start (no trainer, config not writable). GUI thread.
    bool run(const RunConfig& config, QString* error);
    void cancel() { m_runner->cancel(); }
    bool busy() const { return m_runner->busy(); }

signals:
    void planned(const studio::ui::PlanResult& plan);
    void failed(const QString& message);

private:
    void onFinished(int code, bool crashed, const QByteArray& out, const QByteArray& err);

    CommandRunner* m_runner;
    QString m_trainer;
    std::unique_ptr<QTemporaryDir> m_dir;
};

}  // namespace studio::ui
