#include "ui/process/command_runner.h"

namespace studio::ui {

CommandRunner::CommandRunner(TrainerProcessFactory factory, QObject* parent)
    : QObject(parent), m_factory(std::move(factory)) {}

CommandRunner::~CommandRunner() { cancel(); }

void CommandRunner::drop() {
    if (!m_process) return;
    m_process->disconnect(this);
    // We may be inside the process object's own signal: delete it later.
    m_process.release()->deleteLater();
}

void CommandRunner::cancel() {
    if (!m_process) return;
    TrainerProcess* p = m_process.get();
    p->disconnect(this);
    if (p->isRunning()) p->kill();
    drop();
}

void CommandRunner::start(const TrainerLaunch& spec) {
    cancel();
    m_out.clear();
    m_err.clear();
    m_process = m_factory();
    TrainerProcess* p = m_process.get();
    connect(p, &TrainerProcess::stdoutReady, this, [this](const QByteArray& b) {
        m_out += b;
        emit outputReady(b);
    });
    connect(p, &TrainerProcess::stderrReady, this, [this](const QByteArray& b) { m_err += b; });
    connect(p, &TrainerProcess::failedToStart, this, [this](const QString& msg) {
        drop();
        emit failedToStart(msg);
    });
    connect(p, &TrainerProcess::finished, this, [this](int code, bool crashed) {
        drop();
        emit finished(code, crashed, m_out, m_err);
    });
    p->start(spec);
}

}  // namespace studio::ui
