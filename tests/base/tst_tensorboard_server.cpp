// TensorboardServer with a fake `tensorboard` on PATH (a shell script recording its arguments and its
// SIGTERM): the command line, the free-port fallback, stopping (explicitly and with the owner), the message
// when TensorBoard is not installed and a server that dies at start.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>
#include <thread>

#include "base/tb/tensorboard_server.h"

using namespace studio;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool waitForFile(const std::string& path, int ms = 5000) {
    for (int i = 0; i < ms / 20; ++i) {
        if (!slurp(path).empty()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

/// A listening socket on 127.0.0.1:port (occupies it while alive).
struct PortHolder {
    int fd = -1;
    explicit PortHolder(int port) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 1) != 0) {
            ::close(fd);
            fd = -1;
        }
    }
    ~PortHolder() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

class TstTensorboardServer : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string m_bin, m_record;

    EnvMap env(const std::string& path) const {
        return {{"PATH", path}, {"FAKE_TB_RECORD", m_record}, {"HOME", m_dir.path().toStdString()}};
    }
    TensorboardOptions options(int port) const {
        TensorboardOptions o;
        o.logDir = m_dir.filePath("run/tb").toStdString();
        o.port = port;
        o.outputLog = m_dir.filePath("tb.log").toStdString();
        o.env = env(m_bin + ":/usr/bin:/bin");
        return o;
    }
    void resetRecord() {
        ::unlink(m_record.c_str());
        ::unlink((m_record + ".stopped").c_str());
    }

private slots:
    void initTestCase() {
        m_bin = m_dir.filePath("bin").toStdString();
        m_record = m_dir.filePath("record").toStdString();
        QDir().mkpath(QString::fromStdString(m_bin));
        const std::string script = m_bin + "/tensorboard";
        std::ofstream(script) << "#!/bin/sh\n"
                                 "trap 'echo stopped > \"$FAKE_TB_RECORD.stopped\"; exit 0' TERM\n"
                                 "echo \"$@\" > \"$FAKE_TB_RECORD\"\n"
                                 "while :; do sleep 0.05; done\n";
        QFile::setPermissions(QString::fromStdString(script), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                                                  QFileDevice::ExeOwner);
    }

    void findsExecutablesOnPath() {
        QCOMPARE(findOnPath("tensorboard", env(m_bin)).value_or(""), m_bin + "/tensorboard");
        QVERIFY(!findOnPath("tensorboard", env("/nonexistent:/usr/bin/none")));
        QVERIFY(findOnPath("sh", env("/usr/bin:/bin")).has_value());
    }

    void startsWithTheRunsLogdirAndStops() {
        resetRecord();
        const int port = findFreePort("127.0.0.1", 41006);
        QVERIFY(port > 0);
        auto server = TensorboardServer::start(options(port));
        QCOMPARE(server->port(), port);
        QCOMPARE(server->url(), "http://127.0.0.1:" + std::to_string(port) + "/");
        QVERIFY(waitForFile(m_record));
        QCOMPARE(slurp(m_record), "--logdir " + m_dir.filePath("run/tb").toStdString() + " --host 127.0.0.1 --port " +
                                      std::to_string(port) + "\n");
        QVERIFY(server->running());
        const pid_t pid = server->pid();
        server->stop();
        QVERIFY(!server->running());
        QCOMPARE(slurp(m_record + ".stopped"), std::string("stopped\n"));
        QVERIFY(::kill(pid, 0) != 0);  // reaped: no such process
    }

    void takenPortMovesToAFreeOne() {
        resetRecord();
        const int port = findFreePort("127.0.0.1", 42006);
        PortHolder holder(port);
        QVERIFY(holder.fd >= 0);
        QVERIFY(findFreePort("127.0.0.1", port) != port);
        {
            auto server = TensorboardServer::start(options(port));
            QVERIFY(server->port() != port);
            QVERIFY(waitForFile(m_record));
            QVERIFY(slurp(m_record).find("--port " + std::to_string(server->port()) + "\n") != std::string::npos);
        }  // the destructor stops it
        QVERIFY(waitForFile(m_record + ".stopped"));
    }

    void missingTensorboardSaysHowToInstall() {
        TensorboardOptions o = options(6006);
        o.env = env("/nonexistent");
        try {
            TensorboardServer::start(o);
            QFAIL("started without tensorboard on PATH");
        } catch (const TensorboardUnavailable& e) {
            QVERIFY(std::string(e.what()).find("pip install tensorboard") != std::string::npos);
        }
    }

    void serverThatDiesAtStartIsReported() {
        const std::string bin = m_dir.filePath("broken").toStdString();
        QDir().mkpath(QString::fromStdString(bin));
        std::ofstream(bin + "/tensorboard") << "#!/bin/sh\necho 'No module named tensorboard' >&2\nexit 3\n";
        QFile::setPermissions(QString::fromStdString(bin + "/tensorboard"),
                              QFileDevice::ReadOwner | QFileDevice::ExeOwner);
        TensorboardOptions o = options(findFreePort("127.0.0.1", 43006));
        o.env = env(bin + ":/usr/bin:/bin");
        o.startupCheckMs = 3000;
        try {
            TensorboardServer::start(o);
            QFAIL("a server that exited was reported as started");
        } catch (const TensorboardUnavailable&) {
            QFAIL("wrong error");
        } catch (const std::runtime_error& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("status 3") != std::string::npos, e.what());
            QVERIFY2(what.find(o.outputLog) != std::string::npos, e.what());
        }
        QVERIFY(slurp(o.outputLog).find("No module named tensorboard") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TstTensorboardServer)
#include "tst_tensorboard_server.moc"
