#include "ui/panels/run_panel.h"

#include <QDateTime>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>

#include "ui/config/run_config_model.h"
#include "ui/process/event_log.h"
#include "ui/process/run_controller.h"

namespace studio::ui {

QString resumeLabel(const CheckpointInfo& info) {
    QStringList parts;
    // Checkpoint epochs are the last completed, 0-based (-1 mid-way through the first); people count from 1.
    if (const QString where = checkpointPositionText(info.epoch, info.step); !where.isEmpty()) parts << where;
    if (info.mtime > 0) parts << QDateTime::fromSecsSinceEpoch(qint64(info.mtime)).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    parts << (info.hasEma ? QObject::tr("EMA ✓") : QObject::tr("no EMA"));
    return QObject::tr("Resume from latest EMA — %1").arg(parts.join(QStringLiteral(" · ")));
}

RunPanel::RunPanel(RunConfigModel* model, RunController* controller, QWidget* parent)
    : QWidget(parent), m_model(model), m_controller(controller) {
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(4, 4, 4, 4);
    m_start = new QPushButton(tr("&Start training"), this);
    m_start->setObjectName(QStringLiteral("startButton"));
    m_start->setDefault(true);
    QFont bold = m_start->font();
    bold.setBold(true);
    m_start->setFont(bold);
    m_stop = new QPushButton(tr("S&top"), this);
    m_stop->setObjectName(QStringLiteral("stopButton"));
    m_stop->setToolTip(tr("Finish the current step, write a checkpoint, then exit"));
    m_kill = new QPushButton(tr("&Kill now"), this);
    m_kill->setObjectName(QStringLiteral("killButton"));
    m_kill->setToolTip(tr("End the trainer at once, without a final checkpoint (the previous one stays usable)"));
    m_kill->setVisible(false);
    m_resumeButton = new QPushButton(tr("Resume from latest EMA"), this);
    m_resumeButton->setObjectName(QStringLiteral("resumeButton"));
    m_state = new QLabel(this);
    m_state->setObjectName(QStringLiteral("runState"));
    m_state->setWordWrap(true);
    grid->addWidget(m_start, 0, 0);
    grid->addWidget(m_stop, 0, 1);
    grid->addWidget(m_kill, 0, 2);
    grid->addWidget(m_resumeButton, 1, 0, 1, 3);
    grid->addWidget(m_state, 2, 0, 1, 3);
    grid->setColumnStretch(0, 2);
    grid->setColumnStretch(1, 1);

    connect(m_start, &QPushButton::clicked, this, &RunPanel::startRequested);
    connect(m_resumeButton, &QPushButton::clicked, this, &RunPanel::resumeRequested);
    connect(m_stop, &QPushButton::clicked, controller, &RunController::stop);
    connect(m_kill, &QPushButton::clicked, controller, &RunController::killNow);
    connect(controller, &RunController::stopTakingLong, this, [this] { m_kill->setVisible(true); });
    connect(controller, &RunController::stateChanged, this, [this](RunState s) {
        if (!isActive(s)) {
            m_kill->setVisible(false);
            refreshResumePoint();  // a stopped or crashed run leaves a checkpoint to resume from
        }
        updateButtons();
    });
    connect(model, &RunConfigModel::problemsChanged, this, &RunPanel::updateButtons);
    m_resumeDebounce.setSingleShot(true);
    m_resumeDebounce.setInterval(300);
    connect(&m_resumeDebounce, &QTimer::timeout, this, &RunPanel::refreshResumePoint);
    connect(model, &RunConfigModel::changed, this, [this] { m_resumeDebounce.start(); });
    refreshResumePoint();
}

void RunPanel::setTrainerProblem(const QString& problem) {
    m_trainerProblem = problem;
    updateButtons();
}

void RunPanel::refreshResumePoint() {
    m_resumeDebounce.stop();
    std::string why;
    const std::string dir = m_model->config().outputDir;
    m_resume = dir.empty() ? std::nullopt : findResumePoint(dir, &why);
    m_resumeWhyNot = QString::fromStdString(why);
    updateButtons();
}

QString RunPanel::startBlockedReason() const {
    if (isActive(m_controller->state())) return tr("A run is active.");
    if (!m_trainerProblem.isEmpty()) return m_trainerProblem;
    if (m_model->hasErrors()) {
        QStringList lines;
        for (const auto& p : m_model->problems()) {
            if (p.severity == Severity::Error) lines << QString::fromStdString(p.field) + QStringLiteral(": ") + problemText(p);
        }
        return tr("Fix these first:\n%1").arg(lines.join(QLatin1Char('\n')));
    }
    return {};
}

void RunPanel::updateButtons() {
    const RunState s = m_controller->state();
    const QString blocked = startBlockedReason();
    m_start->setEnabled(blocked.isEmpty());
    m_start->setToolTip(blocked.isEmpty() ? tr("Write config.json into the output folder and start rfdetr-train") : blocked);
    m_stop->setEnabled(s == RunState::Running || s == RunState::Watching);
    const bool canResume = m_resume.has_value() && !isActive(s) && m_trainerProblem.isEmpty() && !m_model->hasErrors();
    m_resumeButton->setEnabled(canResume);
    m_resumeButton->setText(m_resume ? resumeLabel(*m_resume) : tr("Resume from latest EMA"));
    m_resumeButton->setToolTip(m_resume ? tr("Continue %1 with --resume auto; the new curves join the old ones")
                                        .arg(QString::fromStdString(m_resume->path))
                                  : (m_resumeWhyNot.isEmpty() ? tr("No resumable checkpoint in the output folder")
                                                              : m_resumeWhyNot));
    QString text = tr("State: %1").arg(QString::fromUtf8(nameOf(s)));
    if (s == RunState::Failed && !m_controller->failureMessage().isEmpty())
        text += QStringLiteral(" — ") + m_controller->failureMessage().section(QLatin1Char('\n'), 0, 0);
    if (!m_trainerProblem.isEmpty() && !isActive(s)) text += QLatin1Char('\n') + m_trainerProblem;
    m_state->setText(text);
    m_state->setStyleSheet(s == RunState::Failed || !m_trainerProblem.isEmpty() ? QStringLiteral("color: #c62828;") : QString());
}

}  // namespace studio::ui
