#pragma once
// The trainer child process behind a small interface (KeePassXC's RemoteProcess pattern): RunController
// talks to this, QProcessTrainer is the real one, tests use a fake that emits the same signals.
#include <QByteArray>
#include <QObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>

namespace studio::ui {

struct TrainerLaunch {
    QString program;
    QStringList arguments;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    QString workingDirectory;
};

class TrainerProcess : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~TrainerProcess() override = default;

    /// Starts the program; the outcome arrives as started() or failedToStart(). GUI thread.
    virtual void start(const TrainerLaunch& spec) = 0;
    /// Writes to the child's stdin; returns false when it is not running or the pipe is closed.
    virtual bool write(const QByteArray& bytes) = 0;
    /// SIGINT to the child's process group (the trainer checkpoints and exits).
    virtual void interrupt() = 0;
    /// SIGKILL to the child's process group (no checkpoint).
    virtual void kill() = 0;
    virtual bool isRunning() const = 0;
    virtual qint64 processId() const = 0;
    /// Lets the child outlive this object (and the Studio): no kill on destruction.
    virtual void detach() = 0;

signals:
    void started();
    void failedToStart(const QString& message);
    void stdoutReady(const QByteArray& bytes);
    void stderrReady(const QByteArray& bytes);
    /// `crashed`: killed by a signal (exitCode is then meaningless).
    void finished(int exitCode, bool crashed);
};

using TrainerProcessFactory = std::function<std::unique_ptr<TrainerProcess>()>;

/// The real process: QProcess in its own session (SIGPIPE ignored, so it survives the Studio closing).
class QProcessTrainer : public TrainerProcess {
    Q_OBJECT
public:
    explicit QProcessTrainer(QObject* parent = nullptr);
    ~QProcessTrainer() override;

    void start(const TrainerLaunch& spec) override;
    bool write(const QByteArray& bytes) override;
    void interrupt() override;
    void kill() override;
    bool isRunning() const override;
    qint64 processId() const override;
    void detach() override;

private:
    class QProcess* m_process = nullptr;
    bool m_detached = false;
};

/// Factory for QProcessTrainer.
TrainerProcessFactory realTrainerProcessFactory();

}  // namespace studio::ui
