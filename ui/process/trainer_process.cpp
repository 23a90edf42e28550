#include "ui/process/trainer_process.h"

#include <QProcess>
#include <csignal>
#include <sys/types.h>
#include <unistd.h>

namespace studio::ui {

QProcessTrainer::QProcessTrainer(QObject* parent) : TrainerProcess(parent), m_process(new QProcess(this)) {
    connect(m_process, &QProcess::started, this, &TrainerProcess::started);
    connect(m_process, &QProcess::readyReadStandardOutput, this,
            [this] { emit stdoutReady(m_process->readAllStandardOutput()); });
    connect(m_process, &QProcess::readyReadStandardError, this,
            [this] { emit stderrReady(m_process->readAllStandardError()); });
    connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        // Drain what is left before reporting the end.
        const QByteArray out = m_process->readAllStandardOutput();
        if (!out.isEmpty()) emit stdoutReady(out);
        const QByteArray err = m_process->readAllStandardError();
        if (!err.isEmpty()) emit stderrReady(err);
        emit finished(code, status == QProcess::CrashExit);
    });
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) emit failedToStart(m_process->errorString());
    });
    // Own session and process group: a Ctrl-C in the Studio's terminal does not reach the trainer, the
    // whole group (launcher + workers) can be signalled, and SIGPIPE is ignored so the trainer keeps
    // training (and writing events.jsonl) if the Studio goes away.
    m_process->setChildProcessModifier([] {
        ::setsid();
        ::signal(SIGPIPE, SIG_IGN);
    });
}

QProcessTrainer::~QProcessTrainer() {
    if (m_detached || m_process->state() == QProcess::NotRunning) {
        if (m_detached) {
            // QProcess kills a running child in its destructor; an orphaned QProcess object is the only way
            // to leave it running. The Studio is exiting, so this leaks one object once.
            m_process->setParent(nullptr);
            m_process->disconnect();
        }
        return;
    }
    kill();
    m_process->waitForFinished(2000);
}

void QProcessTrainer::start(const TrainerLaunch& spec) {
    m_process->setProgram(spec.program);
    m_process->setArguments(spec.arguments);
    m_process->setProcessEnvironment(spec.environment);
    if (!spec.workingDirectory.isEmpty()) m_process->setWorkingDirectory(spec.workingDirectory);
    m_process->start(QIODevice::ReadWrite);
}

bool QProcessTrainer::write(const QByteArray& bytes) {
    if (m_process->state() != QProcess::Running) return false;
    return m_process->write(bytes) == bytes.size();
}

void QProcessTrainer::interrupt() {
    const qint64 pid = m_process->processId();
    if (pid > 0) ::kill(-static_cast<pid_t>(pid), SIGINT);
}

void QProcessTrainer::kill() {
    const qint64 pid = m_process->processId();
    if (pid > 0) ::kill(-static_cast<pid_t>(pid), SIGKILL);
    m_process->kill();
}

bool QProcessTrainer::isRunning() const { return m_process->state() != QProcess::NotRunning; }

qint64 QProcessTrainer::processId() const { return m_process->processId(); }

void QProcessTrainer::detach() { m_detached = true; }

TrainerProcessFactory realTrainerProcessFactory() {
    return [] { return std::make_unique<QProcessTrainer>(); };
}

}  // namespace studio::ui
