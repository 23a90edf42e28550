#include "ui/process/tensorboard_launcher.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace studio::ui {

int firstFreeLocalPort(int first, int tries) {
    for (int port = first; port < first + tries && port < 65536; ++port) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return 0;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        // No SO_REUSEADDR: a port in TIME_WAIT or held by a listener counts as taken, as it does for TensorBoard.
        const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(fd);
        if (free) return port;
    }
    return 0;
}

TensorBoardLauncher::TensorBoardLauncher(TrainerProcessFactory factory, QObject* parent)
    : QObject(parent), m_factory(std::move(factory)), m_opener([](const QUrl& u) { QDesktopServices::openUrl(u); }) {
    // TensorBoard prints its URL when it serves; if that line never comes, open the page anyway.
    m_openFallback.setSingleShot(true);
    m_openFallback.setInterval(8000);
    connect(&m_openFallback, &QTimer::timeout, this, &TensorBoardLauncher::openOnce);
}

TensorBoardLauncher::~TensorBoardLauncher() { stop(); }

QString TensorBoardLauncher::resolvedProgram() const {
    if (!m_program.isEmpty()) {
        const QFileInfo fi(m_program);
        if (fi.isAbsolute()) return fi.isExecutable() ? m_program : QString();
        return QStandardPaths::findExecutable(m_program);
    }
    QString p = QStandardPaths::findExecutable(QStringLiteral("tensorboard"));
    if (p.isEmpty()) p = QStandardPaths::findExecutable(QStringLiteral("tensorboard"), {QDir::homePath() + QStringLiteral("/.local/bin")});
    return p;
}

bool TensorBoardLauncher::start(const QString& runDir, QString* error, Lifetime lifetime) {
    const QString dir = QDir(runDir).absolutePath();
    if (m_process && dir == m_runDir) {
        if (lifetime == Lifetime::WithRun) m_lifetime = lifetime;
        m_opener(m_url);
        return true;
    }
    const QString program = resolvedProgram();
    if (program.isEmpty()) {
        if (error)
            *error = tr("TensorBoard is not installed (no \"tensorboard\" on PATH). Install it (e.g. `pip install "
                        "tensorboard` or your distribution's package) to browse <run>/tb; the Studio's own plots show "
                        "the same curves.");
        return false;
    }
    const int port = firstFreeLocalPort(kDefaultPort);
    if (port == 0) {
        if (error) *error = tr("No free local port from %1 to %2 for TensorBoard.").arg(kDefaultPort).arg(kDefaultPort + 49);
        return false;
    }
    stop();
    m_runDir = dir;
    m_lifetime = lifetime;
    m_url = QUrl(QStringLiteral("http://127.0.0.1:%1/").arg(port));
    m_opened = false;
    m_err.clear();
    TrainerLaunch spec;
    spec.program = program;
    spec.arguments = {QStringLiteral("--logdir"), QDir(dir).filePath(QStringLiteral("tb")), QStringLiteral("--host"),
                      QStringLiteral("127.0.0.1"), QStringLiteral("--port"), QString::number(port)};
    spec.workingDirectory = dir;
    m_process = m_factory();
    TrainerProcess* p = m_process.get();
    connect(p, &TrainerProcess::started, this, [this] {
        m_openFallback.start();
        emit message(tr("Starting TensorBoard at %1 …").arg(m_url.toString()));
    });
    auto onOutput = [this](const QByteArray& b) {
        m_err = (m_err + b).right(4000);
        if (!m_opened && m_err.contains(QByteArray::number(m_url.port()))) openOnce();
    };
    connect(p, &TrainerProcess::stdoutReady, this, onOutput);
    connect(p, &TrainerProcess::stderrReady, this, onOutput);
    auto ended = [this](const QString& why) {
        m_openFallback.stop();
        if (m_process) {
            m_process->disconnect(this);
            m_process.release()->deleteLater();
        }
        emit message(why);
        emit runningChanged(false);
    };
    connect(p, &TrainerProcess::failedToStart, this,
            [ended, program](const QString& msg) { ended(tr("Could not start %1: %2").arg(program, msg)); });
    connect(p, &TrainerProcess::finished, this, [this, ended](int code, bool crashed) {
        const QString tail = QString::fromUtf8(m_err).trimmed().section(QLatin1Char('\n'), -2);
        ended(crashed ? tr("TensorBoard stopped.") : tr("TensorBoard exited (code %1). %2").arg(code).arg(tail));
    });
    p->start(spec);
    emit runningChanged(true);
    return true;
}

void TensorBoardLauncher::openOnce() {
    m_openFallback.stop();
    if (m_opened || !m_process) return;
    m_opened = true;
    emit message(tr("TensorBoard serves %1 at %2").arg(m_runDir, m_url.toString()));
    m_opener(m_url);
}

void TensorBoardLauncher::stop() {
    m_openFallback.stop();
    if (!m_process) return;
    TrainerProcess* p = m_process.get();
    p->disconnect(this);
    if (p->isRunning()) p->kill();
    m_process.reset();
    emit runningChanged(false);
}

void TensorBoardLauncher::runEnded(const QString& runDir) {
    if (!m_process || m_lifetime != Lifetime::WithRun || QDir(runDir).absolutePath() != m_runDir) return;
    stop();
    emit message(tr("TensorBoard stopped with the run in %1 (press TensorBoard to browse it again).").arg(m_runDir));
}

void TensorBoardLauncher::runShown(const QString& runDir) {
    if (!m_process || QDir(runDir).absolutePath() == m_runDir) return;
    const QString old = m_runDir;
    stop();
    emit message(tr("TensorBoard for %1 stopped: another run is shown.").arg(old));
}

}  // namespace studio::ui
