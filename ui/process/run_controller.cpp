#include "ui/process/run_controller.h"

#include <QDateTime>
#include <QFileInfo>
#include <csignal>
#include <sys/types.h>

#include "base/run/run_folder.h"
#include "ui/process/event_log.h"
#include "ui/process/file_follower.h"
#include "ui/process/run_folder_plan.h"

namespace studio::ui {

namespace {
constexpr int kStderrTailLines = 40;

double nowS() { return QDateTime::currentMSecsSinceEpoch() / 1000.0; }
}  // namespace

const char* nameOf(RunState s) {
    switch (s) {
        case RunState::Idle: return "idle";
        case RunState::Starting: return "starting";
        case RunState::Running: return "running";
        case RunState::Stopping: return "stopping";
        case RunState::Watching: return "running (attached)";
        case RunState::Finished: return "finished";
        case RunState::Stopped: return "stopped";
        case RunState::Failed: return "failed";
    }
    return "unknown";
}

bool isActive(RunState s) {
    return s == RunState::Starting || s == RunState::Running || s == RunState::Stopping || s == RunState::Watching;
}

RunController::RunController(TrainerProcessFactory factory, QObject* parent)
    : QObject(parent), m_factory(std::move(factory)) {
    qRegisterMetaType<studio::ui::RunState>("studio::ui::RunState");
    m_stopTimer.setSingleShot(true);
    connect(&m_stopTimer, &QTimer::timeout, this, [this] {
        m_stopTimedOut = true;
        studioLog(LogLevel::Warning,
                  tr("The trainer has not stopped after %1 s (it may still be writing the final checkpoint). "
                     "Kill now ends it at once; the previous checkpoint stays usable.")
                      .arg(m_stopGraceMs / 1000));
        emit stopTakingLong();
    });
    m_lockPoll.setInterval(1000);
    connect(&m_lockPoll, &QTimer::timeout, this, [this] {
        if (m_state != RunState::Watching && m_state != RunState::Stopping) return;
        if (m_process) return;
        if (!runIsLocked(m_runDir.toStdString())) {
            m_lockPoll.stop();
            m_stopTimer.stop();
            m_watchedPid = 0;
            if (m_follower)
                m_follower->setFollowing(false);  // reads the rest; caughtUp then settles the state
            else
                finishFromDone();
        }
    });
}

RunController::~RunController() = default;

void RunController::setState(RunState s) {
    if (s == m_state) return;
    m_state = s;
    emit stateChanged(s);
}

void RunController::studioLog(LogLevel level, const QString& text) {
    emit logLines({LogLine{nowS(), level, QStringLiteral("studio"), text}});
}

bool RunController::start(const RunConfig& config, StartMode mode, QString* error) {
    auto refuse = [&](const QString& msg) {
        if (error) *error = msg;
        return false;
    };
    if (isActive(m_state)) return refuse(tr("A run is already active; stop it first."));
    if (m_trainerPath.isEmpty()) return refuse(tr("No usable rfdetr-train: see Settings → Trainer."));
    RunFolderPlan plan = prepareRunFolder(config, mode == StartMode::ResumeAuto);
    if (!plan.error.isEmpty()) return refuse(plan.error);
    const RunConfig& cfg = plan.config;
    const QString dir = plan.runDir;
    const QString configPath = plan.configPath;

    m_config = cfg;
    m_runDir = dir;
    m_configPath = configPath;
    m_pendingArgs = {QStringLiteral("--config"), configPath};
    if (mode == StartMode::ResumeAuto) m_pendingArgs << QStringLiteral("--resume") << QStringLiteral("auto");
    m_pendingArgs << m_extraArgs;
    m_done.reset();
    m_lastError.reset();
    m_failure.clear();
    m_stderrTail.clear();
    m_stdout = LineBuffer();
    m_stderr = LineBuffer();
    m_malformed = 0;
    m_eventCount = 0;
    m_stopTimedOut = m_killed = m_stopRequested = false;
    m_watchedPid = 0;
    emit runReset(dir);
    emit malformedLinesChanged(0);
    setState(RunState::Starting);

    const QString events = QString::fromStdString(RunFolder{cfg.outputDir}.eventsJsonl());
    if (mode == StartMode::ResumeAuto && QFileInfo::exists(events)) {
        // Replay the history first so the continued curves join the old ones, then launch.
        delete m_follower;
        m_follower = new FileFollower(this);
        m_follower->setFollowing(false);
        connect(m_follower, &FileFollower::linesRead, this, [this](const QList<QByteArray>& lines) {
            QList<LogLine> log;
            handleEventLines(lines, &log);
        });
        connect(m_follower, &FileFollower::caughtUp, this, [this] {
            m_follower->close();
            m_follower->deleteLater();
            m_follower = nullptr;
            m_done.reset();  // the old run's end is history
            m_lastError.reset();
            launch();
        });
        if (m_follower->open(events)) return true;
    }
    launch();
    return true;
}

void RunController::launch() {
    const TrainerLaunch spec = makeTrainerLaunch(m_trainerPath, m_pendingArgs, m_runDir, m_config,
                                                 QProcessEnvironment::systemEnvironment());
    m_process = m_factory();
    TrainerProcess* p = m_process.get();
    connect(p, &TrainerProcess::started, this, [this] {
        setState(m_stopRequested ? RunState::Stopping : RunState::Running);
        studioLog(LogLevel::Info, tr("Started %1 %2 (pid %3)")
                                      .arg(m_trainerPath, m_pendingArgs.join(QLatin1Char(' ')))
                                      .arg(m_process ? m_process->processId() : 0));
    });
    connect(p, &TrainerProcess::failedToStart, this, [this](const QString& msg) {
        // Deleted later: we are inside the process object's own signal.
        if (m_process) {
            m_process->disconnect(this);
            m_process.release()->deleteLater();
        }
        fail(tr("Could not start %1: %2. Check Settings → Trainer.").arg(m_trainerPath, msg));
    });
    connect(p, &TrainerProcess::stdoutReady, this, &RunController::handleStdout);
    connect(p, &TrainerProcess::stderrReady, this, &RunController::handleStderr);
    connect(p, &TrainerProcess::finished, this, &RunController::handleFinished);
    p->start(spec);
}

void RunController::handleEventLines(const QList<QByteArray>& lines, QList<LogLine>* log) {
    std::vector<Event> events;
    events.reserve(static_cast<size_t>(lines.size()));
    const int malformedBefore = m_malformed;
    const double t = nowS();
    for (const QByteArray& raw : lines) {
        const QByteArray line = raw.trimmed();
        if (line.isEmpty()) continue;
        ParsedEvent parsed = parseEventLine(std::string_view(line.constData(), size_t(line.size())));
        if (!parsed.event) {
            ++m_malformed;
            log->append({t, LogLevel::Info, QStringLiteral("stdout"), QString::fromUtf8(line.left(4000))});
            continue;
        }
        Event& e = *parsed.event;
        if (const auto* d = std::get_if<DoneEvent>(&e)) m_done = *d;
        if (const auto* err = std::get_if<ErrorEvent>(&e)) m_lastError = *err;
        if (auto line = logLineForEvent(e, t)) log->append(*line);
        events.push_back(std::move(e));
    }
    m_eventCount += static_cast<long long>(events.size());
    if (!events.empty()) emit eventsReceived(events);
    if (!log->isEmpty()) emit logLines(*log);
    if (m_malformed != malformedBefore) emit malformedLinesChanged(m_malformed);
}

void RunController::handleStdout(const QByteArray& bytes) {
    QList<LogLine> log;
    handleEventLines(m_stdout.append(bytes), &log);
}

void RunController::handleStderr(const QByteArray& bytes) {
    const QList<QByteArray> lines = m_stderr.append(bytes);
    if (lines.isEmpty()) return;
    QList<LogLine> log;
    log.reserve(lines.size());
    const double t = nowS();
    for (const QByteArray& raw : lines) {
        const QString text = stripAnsi(QString::fromUtf8(raw));
        log.append({t, parseLogLevel(text), QStringLiteral("trainer"), text});
        m_stderrTail.push_back(text);
        if (m_stderrTail.size() > kStderrTailLines) m_stderrTail.pop_front();
    }
    emit logLines(log);
}

QStringList RunController::stderrTail() const {
    QStringList out;
    for (const auto& l : m_stderrTail) out << l;
    return out;
}

void RunController::handleFinished(int exitCode, bool crashed) {
    if (const QByteArray rest = m_stdout.takeRest(); !rest.isEmpty()) {
        QList<LogLine> log;
        handleEventLines({rest}, &log);
    }
    if (const QByteArray rest = m_stderr.takeRest(); !rest.isEmpty()) handleStderr(rest + '\n');
    m_stopTimer.stop();
    if (m_process) {
        m_process->disconnect(this);
        m_process.release()->deleteLater();
    }
    if (m_killed) {
        studioLog(LogLevel::Warning, tr("The trainer was killed; the last complete checkpoint stays in %1.").arg(m_runDir));
        setState(RunState::Stopped);
        return;
    }
    if (m_done) {
        finishFromDone();
        return;
    }
    if (!crashed && (exitCode == 0 || (m_stopRequested && exitCode == 130))) {
        setState(m_stopRequested ? RunState::Stopped : RunState::Finished);
        return;
    }
    QString msg = crashed ? tr("rfdetr-train crashed (killed by a signal).")
                          : tr("rfdetr-train exited with code %1.").arg(exitCode);
    fail(msg);
}

void RunController::finishFromDone() {
    m_lockPoll.stop();
    m_stopTimer.stop();
    if (m_follower) {
        m_follower->close();
        m_follower->deleteLater();
        m_follower = nullptr;
    }
    if (!m_done) {
        // A run folder whose events end without "done": look at it as a whole.
        const RunSummary s = summarizeRun(m_runDir.toStdString());
        switch (s.status) {
            case RunStatus::Finished:
            case RunStatus::EarlyStopped: setState(RunState::Finished); return;
            case RunStatus::Stopped: setState(RunState::Stopped); return;
            default:
                m_failure = tr("The run in %1 ended without a final event: it crashed or was killed.").arg(m_runDir);
                setState(RunState::Failed);
                return;
        }
    }
    const std::string& st = m_done->status;
    if (st == "finished" || st == "early_stopped") {
        setState(RunState::Finished);
    } else if (st == "stopped") {
        setState(RunState::Stopped);
    } else {
        fail(tr("The trainer reported that the run failed (exit code %1).").arg(m_done->exitCode));
    }
}

void RunController::fail(const QString& headline) {
    QString msg = headline;
    if (m_lastError) {
        msg += QLatin1Char('\n') + QString::fromStdString(m_lastError->message);
        if (!m_lastError->hint.empty()) msg += QLatin1Char('\n') + tr("Hint: %1").arg(QString::fromStdString(m_lastError->hint));
    } else if (!m_stderrTail.empty()) {
        QStringList tail = stderrTail();
        if (tail.size() > 12) tail = tail.mid(tail.size() - 12);
        msg += QLatin1Char('\n') + tr("Last output:") + QLatin1Char('\n') + tail.join(QLatin1Char('\n'));
    }
    if (!m_runDir.isEmpty()) {
        std::string why;
        const auto rp = findResumePoint(m_runDir.toStdString(), &why);
        const QString where = rp ? checkpointPositionText(rp->epoch, rp->step) : QString();
        msg += QLatin1Char('\n') + (rp ? tr("Run folder %1 keeps a checkpoint (%2): Resume continues from it.")
                                             .arg(m_runDir, where.isEmpty() ? tr("position unknown") : where)
                                       : tr("Run folder: %1 (no resumable checkpoint yet).").arg(m_runDir));
    }
    m_failure = msg;
    studioLog(LogLevel::Error, msg);
    setState(RunState::Failed);
    emit failed(msg);
}

void RunController::stop() {
    if (m_state == RunState::Running && m_process) {
        m_stopRequested = true;
        if (!m_process->write(QByteArrayLiteral("{\"cmd\":\"stop\"}\n"))) m_process->interrupt();
        studioLog(LogLevel::Info, tr("Stop requested: the trainer finishes the step and writes a checkpoint."));
    } else if (m_state == RunState::Watching && m_watchedPid > 0) {
        m_stopRequested = true;
        ::kill(static_cast<pid_t>(m_watchedPid), SIGINT);
        studioLog(LogLevel::Info, tr("Sent SIGINT to the trainer (pid %1): it checkpoints and exits.").arg(m_watchedPid));
    } else if (m_state == RunState::Starting && !m_process) {
        // Still replaying history before launch: cancel.
        if (m_follower) {
            m_follower->close();
            m_follower->deleteLater();
            m_follower = nullptr;
        }
        setState(RunState::Stopped);
        return;
    } else {
        return;
    }
    m_stopTimedOut = false;
    m_stopTimer.start(m_stopGraceMs);
    setState(RunState::Stopping);
}

void RunController::killNow() {
    if (m_process && m_process->isRunning()) {
        m_killed = true;
        m_process->kill();
    } else if (m_watchedPid > 0 && (m_state == RunState::Stopping || m_state == RunState::Watching)) {
        ::kill(static_cast<pid_t>(m_watchedPid), SIGKILL);
    }
}

bool RunController::attach(const QString& runDir, QString* error) {
    if (isActive(m_state)) {
        if (error) *error = tr("A run is active; stop it before opening another.");
        return false;
    }
    const QString dir = QFileInfo(runDir).absoluteFilePath();
    const QString events = QString::fromStdString(RunFolder{dir.toStdString()}.eventsJsonl());
    if (!QFileInfo(dir).isDir()) {
        if (error) *error = tr("%1 is not a folder.").arg(runDir);
        return false;
    }
    if (!QFileInfo::exists(events)) {
        if (error) *error = tr("%1 has no events.jsonl: it is not a run folder, or its run never started.").arg(dir);
        return false;
    }
    long long pid = 0;
    const bool live = runIsLocked(dir.toStdString(), &pid);
    delete m_follower;
    m_follower = new FileFollower(this);
    m_follower->setPollIntervalMs(m_followPollMs);
    m_follower->setFollowing(live);
    QString openError;
    if (!m_follower->open(events, &openError)) {
        if (error) *error = openError;
        return false;
    }
    m_runDir = dir;
    m_done.reset();
    m_lastError.reset();
    m_failure.clear();
    m_stderrTail.clear();
    m_malformed = 0;
    m_eventCount = 0;
    m_stopRequested = m_stopTimedOut = m_killed = false;
    m_watchedPid = live ? pid : 0;
    connect(m_follower, &FileFollower::linesRead, this, [this](const QList<QByteArray>& lines) {
        QList<LogLine> log;
        handleEventLines(lines, &log);
    });
    connect(m_follower, &FileFollower::restarted, this, [this] { emit runReset(m_runDir); });
    connect(m_follower, &FileFollower::caughtUp, this, [this] {
        if (!m_watchedPid) finishFromDone();  // a finished run, or the watched trainer has exited
    });
    emit runReset(dir);
    emit malformedLinesChanged(0);
    setState(live ? RunState::Watching : RunState::Starting);
    if (live) {
        studioLog(LogLevel::Info, tr("Attached to the run in %1 (trainer pid %2); following its events.").arg(dir).arg(pid));
        m_lockPoll.start();
    }
    return true;
}

void RunController::detachForExit() {
    if (m_process && m_process->isRunning()) m_process->detach();
    m_lockPoll.stop();
}

qint64 RunController::trainerPid() const {
    if (m_process && m_process->isRunning()) return m_process->processId();
    return m_watchedPid;
}

}  // namespace studio::ui
