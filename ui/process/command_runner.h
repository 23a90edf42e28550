#pragma once
// A short-lived helper command (rfdetr-train plan / predict) run through the TrainerProcess interface, so
// tests drive it with the fake: collects stdout and stderr and reports once when it ends. One at a time.
#include <QByteArray>
#include <QObject>
#include <memory>

#include "ui/process/trainer_process.h"

namespace studio::ui {

class CommandRunner : public QObject {
    Q_OBJECT
public:
    explicit CommandRunner(TrainerProcessFactory factory, QObject* parent = nullptr);
    ~CommandRunner() override;

    /// Starts `spec`; a command still running is killed first (its result is dropped). GUI thread.
    void start(const TrainerLaunch& spec);
    /// Kills the running command without reporting it.
    void cancel();
    bool busy() const { return m_process != nullptr; }

signals:
    /// The command ended (`crashed`: killed by a signal).
    void finished(int exitCode, bool crashed, const QByteArray& out, const QByteArray& err);
    void failedToStart(const QString& message);
    /// Standard output as it arrives (streaming readers; finished() still carries all of it).
    void outputReady(const QByteArray& bytes);

private:
    void drop();

    TrainerProcessFactory m_factory;
    std::unique_ptr<TrainerProcess> m_process;
    QByteArray m_out, m_err;
};

}  // namespace studio::ui
