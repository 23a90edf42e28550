#pragma once
// RunController: one training run seen from the Studio. Starts rfdetr-train (through TrainerProcess, so
// tests use a fake), turns its stdout into protocol events and its stderr into log lines, stops it
// gracefully ({"cmd":"stop"} on stdin, then "kill now" after a grace period), reports crashes with the
// error event or the stderr tail, and re-attaches to a run folder by reading and following events.jsonl.
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "base/config/run_config.h"
#include "base/events/events.h"
#include "ui/log/log_line.h"
#include "ui/process/line_buffer.h"
#include "ui/process/trainer_process.h"

namespace studio::ui {

class FileFollower;

enum class RunState {
    Idle,       // nothing loaded
    Starting,   // config written, loading history / waiting for the process
    Running,    // our child process trains
    Stopping,   // stop requested, waiting for the final checkpoint
    Watching,   // attached to a run another process (an earlier Studio, a terminal) is training
    Finished,   // done: finished or early-stopped
    Stopped,    // done: stopped by the user
    Failed,     // crashed, failed to start, or ended without a done event
};
const char* nameOf(RunState s);
/// True for Starting, Running, Stopping and Watching.
bool isActive(RunState s);

enum class StartMode { Fresh, ResumeAuto };

class RunController : public QObject {
    Q_OBJECT
public:
    explicit RunController(TrainerProcessFactory factory, QObject* parent = nullptr);
    ~RunController() override;

    /// The trainer executable to launch (checked by TrainerProbe beforehand).
    void setTrainerPath(const QString& path) { m_trainerPath = path; }
    /// Extra arguments after --config (tests: "--dry-run").
    void setExtraArguments(const QStringList& args) { m_extraArgs = args; }
    /// How long Stop waits before offering "kill now".
    void setStopGraceMs(int ms) { m_stopGraceMs = ms; }
    void setFollowPollMs(int ms) { m_followPollMs = ms; }

    /// Writes <output_dir>/config.json and launches the trainer. Returns false with a message (and starts
    /// nothing, writes nothing) when the output folder is unusable, holds another run (Fresh), or the
    /// trainer path is unset. ResumeAuto first replays the folder's events.jsonl. GUI thread.
    bool start(const RunConfig& config, StartMode mode, QString* error);
    /// Graceful stop: {"cmd":"stop"} to our child, SIGINT to a watched run's process.
    void stop();
    /// Immediate SIGKILL (no checkpoint). Only meaningful while Stopping or Running.
    void killNow();
    /// Opens a run folder: replays events.jsonl and follows it while the run's lock is held.
    bool attach(const QString& runDir, QString* error);
    /// Leaves a running child running when the Studio exits (it keeps writing events.jsonl).
    void detachForExit();

    RunState state() const { return m_state; }
    QString runDir() const { return m_runDir; }
    int malformedLines() const { return m_malformed; }
    long long eventCount() const { return m_eventCount; }
    /// Last stderr lines (crash reports).
    QStringList stderrTail() const;
    /// The message shown for a failed run ("" otherwise).
    QString failureMessage() const { return m_failure; }
    bool stopTimedOut() const { return m_stopTimedOut; }
    /// pid of the trainer (our child or the watched run's lock holder), 0 if none.
    qint64 trainerPid() const;

signals:
    void stateChanged(studio::ui::RunState state);
    /// A new run view begins (start or attach): consumers drop old curves.
    void runReset(const QString& runDir);
    /// Parsed events, in order, batched per read.
    void eventsReceived(const std::vector<studio::Event>& events);
    void logLines(const QList<studio::ui::LogLine>& lines);
    void malformedLinesChanged(int count);
    /// The grace period after Stop has passed: offer "kill now".
    void stopTakingLong();
    void failed(const QString& message);

private:
    void setState(RunState s);
    void launch();
    void handleStdout(const QByteArray& bytes);
    void handleStderr(const QByteArray& bytes);
    void handleFinished(int exitCode, bool crashed);
    void handleEventLines(const QList<QByteArray>& lines, QList<LogLine>* log);
    void finishFromDone();
    void fail(const QString& message);
    void studioLog(LogLevel level, const QString& text);

    TrainerProcessFactory m_factory;
    std::unique_ptr<TrainerProcess> m_process;
    FileFollower* m_follower = nullptr;
    QTimer m_stopTimer;
    QTimer m_lockPoll;
    LineBuffer m_stdout, m_stderr;
    std::deque<QString> m_stderrTail;
    QString m_trainerPath, m_runDir, m_configPath, m_failure;
    QStringList m_extraArgs, m_pendingArgs;
    RunState m_state = RunState::Idle;
    std::optional<DoneEvent> m_done;
    std::optional<ErrorEvent> m_lastError;
    RunConfig m_config;
    int m_malformed = 0;
    long long m_eventCount = 0;
    int m_stopGraceMs = 180000;
    int m_followPollMs = 250;
    bool m_stopTimedOut = false;
    bool m_killed = false;
    bool m_stopRequested = false;
    qint64 m_watchedPid = 0;
};

}  // namespace studio::ui
