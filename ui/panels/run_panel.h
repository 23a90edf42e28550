#pragma once
// Start / Stop / Kill now / Resume from latest EMA, with the run's state. Start is disabled while the
// configuration has errors (the tooltip lists them); Resume is enabled when the output folder holds a
// resumable checkpoint with EMA state and says which one.
#include <QTimer>
#include <QWidget>
#include <optional>

#include "base/run/run_folder.h"

class QLabel;
class QPushButton;

namespace studio::ui {

class RunConfigModel;
class RunController;
enum class RunState;

class RunPanel : public QWidget {
    Q_OBJECT
public:
    RunPanel(RunConfigModel* model, RunController* controller, QWidget* parent = nullptr);

    /// Re-checks the output folder for a resume point now (else debounced on edits).
    void refreshResumePoint();
    const std::optional<CheckpointInfo>& resumePoint() const { return m_resume; }
    /// Why Start is disabled ("" when enabled).
    QString startBlockedReason() const;
    /// A trainer problem (missing / wrong version) that blocks Start; "" when usable.
    void setTrainerProblem(const QString& problem);

signals:
    void startRequested();
    void resumeRequested();

private:
    void updateButtons();

    RunConfigModel* m_model;
    RunController* m_controller;
    QPushButton* m_start;
    QPushButton* m_stop;
    QPushButton* m_kill;
    QPushButton* m_resumeButton;
    QLabel* m_state;
    QTimer m_resumeDebounce;
    std::optional<CheckpointInfo> m_resume;
    QString m_resumeWhyNot;
    QString m_trainerProblem;
};

/// "Resume from latest EMA — epoch 12 · 2026-03-01 14:02 · EMA ✓".
QString resumeLabel(const CheckpointInfo& info);

}  // namespace studio::ui
