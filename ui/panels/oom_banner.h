#pragma once
// A banner above the run buttons after an out-of-memory stop: what ran out and the suggested batch split,
// with "Apply and resume" (sets batch size and accumulation, resumes from the latest checkpoint) and the
// trainer's command line for a terminal. Hidden until an "oom" error event arrives.
#include <QFrame>
#include <optional>

#include "ui/process/oom_suggestion.h"

class QLabel;
class QPushButton;

namespace studio::ui {

class OomBanner : public QFrame {
    Q_OBJECT
public:
    explicit OomBanner(QWidget* parent = nullptr);

    /// Shows the advice (or hides the banner for nullopt). GUI thread.
    void showAdvice(const std::optional<OomSuggestion>& advice);
    const std::optional<OomSuggestion>& advice() const { return m_advice; }
    /// Apply is only possible once the failed run has ended.
    void setRunActive(bool active);
    /// Why the run cannot be resumed ("" = it can): Apply is disabled with this as its tooltip.
    void setResumeProblem(const QString& problem);
    QString text() const;

signals:
    /// The user accepted the suggestion: set these and resume.
    void applyRequested(int batchSize, int gradAccumSteps);

private:
    void updateButtons();

    std::optional<OomSuggestion> m_advice;
    QLabel* m_text;
    QLabel* m_command;
    QPushButton* m_apply;
    QPushButton* m_copy;
    bool m_runActive = false;
    QString m_resumeProblem;
};

}  // namespace studio::ui
