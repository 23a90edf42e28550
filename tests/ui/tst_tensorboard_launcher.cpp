// The TensorBoard button: not installed gives a clear message; a run starts `tensorboard --logdir <run>/tb
// --host 127.0.0.1 --port 6006` (the next free port when 6006 is taken), opens the URL once it serves, a
// second click re-opens it, and the server is stopped with stop() and with the launcher (the app); a server
// started for a live run stops when that run ends, one started to browse a finished run when another is shown.
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <unistd.h>

#include "fake_trainer_process.h"
#include "ui/process/tensorboard_launcher.h"

using namespace studio::ui;
using studio::ui::testing::FakeTrainerProcess;
using studio::ui::testing::fakeFactory;

namespace {
/// Listens on 127.0.0.1:port until destroyed (-1 fd when it could not).
struct Listener {
    int fd = -1;
    explicit Listener(int port) {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 1) != 0) {
            ::close(fd);
            fd = -1;
        }
    }
    ~Listener() {
        if (fd >= 0) ::close(fd);
    }
};
QString fakeTensorBoard(const QTemporaryDir& dir) {
    const QString path = dir.filePath("tensorboard");
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write("#!/bin/sh\nexit 0\n");
    f.close();
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}
}  // namespace

class TstTensorBoardLauncher : public QObject {
    Q_OBJECT
private slots:
    void missingTensorBoardIsExplained() {
        FakeTrainerProcess::Record rec;
        TensorBoardLauncher tb(fakeFactory(&rec));
        tb.setExecutable("/nonexistent/tensorboard");
        QString err;
        QVERIFY(!tb.start(QDir::tempPath(), &err));
        QVERIFY2(err.contains("not installed") && err.contains("pip install tensorboard"), qPrintable(err));
        QVERIFY(!rec.live);
        QVERIFY(!tb.running());
    }

    void freePortSkipsABusyOne() {
        const int base = 46006;
        const int first = firstFreeLocalPort(base);
        QVERIFY(first >= base);
        Listener busy(first);
        QVERIFY(busy.fd >= 0);
        const int next = firstFreeLocalPort(first);
        QVERIFY(next > first);
    }

    void startsOpensAndStops() {
        QTemporaryDir bin, run;
        FakeTrainerProcess::Record rec;
        QList<QUrl> opened;
        {
            TensorBoardLauncher tb(fakeFactory(&rec));
            tb.setExecutable(fakeTensorBoard(bin));
            tb.setUrlOpener([&](const QUrl& u) { opened << u; });
            // Hold 6006 when we can, so the launcher must move on (it may also be busy on this machine already).
            Listener busy(TensorBoardLauncher::kDefaultPort);
            QString err;
            QVERIFY2(tb.start(run.path(), &err), qPrintable(err));
            QVERIFY(rec.live);
            const QStringList& a = rec.spec.arguments;
            QCOMPARE(a.value(0), QString("--logdir"));
            QCOMPARE(a.value(1), QDir(run.path()).filePath("tb"));
            QCOMPARE(a.value(2), QString("--host"));
            QCOMPARE(a.value(3), QString("127.0.0.1"));
            QCOMPARE(a.value(4), QString("--port"));
            const int port = a.value(5).toInt();
            QVERIFY(port > TensorBoardLauncher::kDefaultPort);
            QCOMPARE(tb.url(), QUrl(QString("http://127.0.0.1:%1/").arg(port)));
            rec.live->emitStarted();
            QVERIFY(opened.isEmpty());  // not serving yet
            rec.live->err(QString("TensorBoard 2.15.1 at http://127.0.0.1:%1/ (Press CTRL+C to quit)\n").arg(port).toUtf8());
            QCOMPARE(opened.size(), 1);
            QCOMPARE(opened[0], tb.url());
            QVERIFY(tb.start(run.path(), &err));  // same run: only re-opens
            QCOMPARE(opened.size(), 2);
            QCOMPARE(rec.kills, 0);
            tb.stop();
            QCOMPARE(rec.kills, 1);
            QVERIFY(!tb.running());
            QVERIFY(tb.start(run.path(), &err));
            rec.live->emitStarted();
        }
        QCOMPARE(rec.kills, 2);  // the app closing stops it
    }

    void aRealProcessIsStartedAndStopped() {
        // A stand-in tensorboard that announces its URL as TensorBoard does and serves until killed.
        QTemporaryDir bin, run;
        const QString path = bin.filePath("tensorboard");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("#!/bin/sh\necho \"$$\" > \"$(dirname \"$0\")/pid\"\n"
                "echo \"TensorBoard 2.15.1 at http://$4:$6/ (Press CTRL+C to quit)\" >&2\nexec sleep 60\n");
        f.close();
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        QList<QUrl> opened;
        TensorBoardLauncher tb(realTrainerProcessFactory());
        tb.setExecutable(path);
        tb.setUrlOpener([&](const QUrl& u) { opened << u; });
        QString err;
        QVERIFY2(tb.start(run.path(), &err), qPrintable(err));
        QTRY_COMPARE_WITH_TIMEOUT(opened.size(), 1, 10000);
        QCOMPARE(opened[0], tb.url());
        QFile pidFile(bin.filePath("pid"));
        QVERIFY(pidFile.open(QIODevice::ReadOnly));
        const pid_t pid = pid_t(pidFile.readAll().trimmed().toInt());
        QVERIFY(pid > 0);
        QCOMPARE(::kill(pid, 0), 0);
        tb.stop();
        QTRY_VERIFY_WITH_TIMEOUT(::kill(pid, 0) != 0, 5000);  // gone (reaped by QProcess)
    }

    void aLiveRunsServerStopsWithTheRun() {
        QTemporaryDir bin, runA, runB;
        FakeTrainerProcess::Record rec;
        TensorBoardLauncher tb(fakeFactory(&rec));
        tb.setExecutable(fakeTensorBoard(bin));
        tb.setUrlOpener([](const QUrl&) {});
        QSignalSpy msgs(&tb, &TensorBoardLauncher::message);
        QString err;
        QVERIFY(tb.start(runA.path(), &err, TensorBoardLauncher::Lifetime::WithRun));
        rec.live->emitStarted();
        QCOMPARE(tb.lifetime(), TensorBoardLauncher::Lifetime::WithRun);
        tb.runEnded(runB.path());  // another run's end is not ours
        tb.runShown(runA.path() + "/");  // the same folder, spelled differently
        QVERIFY(tb.running());
        QCOMPARE(rec.kills, 0);
        tb.runEnded(runA.path());
        QVERIFY(!tb.running());
        QCOMPARE(rec.kills, 1);
        QVERIFY2(msgs.last().at(0).toString().contains("stopped with the run"), qPrintable(msgs.last().at(0).toString()));
        tb.runEnded(runA.path());  // nothing left to stop
        QCOMPARE(rec.kills, 1);
    }

    void aBrowsedRunsServerStaysUntilAnotherRunIsShown() {
        QTemporaryDir bin, runA, runB;
        FakeTrainerProcess::Record rec;
        TensorBoardLauncher tb(fakeFactory(&rec));
        tb.setExecutable(fakeTensorBoard(bin));
        tb.setUrlOpener([](const QUrl&) {});
        QString err;
        QVERIFY(tb.start(runA.path(), &err));  // UntilSwitch: the user browses a finished run
        rec.live->emitStarted();
        tb.runEnded(runA.path());
        QVERIFY(tb.running());
        tb.runShown(runA.path());
        QVERIFY(tb.running());
        QCOMPARE(rec.kills, 0);
        tb.runShown(runB.path());
        QVERIFY(!tb.running());
        QCOMPARE(rec.kills, 1);
        // Browsing a run that then trains again (resumed) and pressing the button during it ties it to the run.
        QVERIFY(tb.start(runA.path(), &err));
        rec.live->emitStarted();
        QVERIFY(tb.start(runA.path(), &err, TensorBoardLauncher::Lifetime::WithRun));
        QCOMPARE(rec.kills, 1);  // re-opened, not restarted
        tb.runEnded(runA.path());
        QVERIFY(!tb.running());
        QCOMPARE(rec.kills, 2);
    }

    void anExitIsReported() {
        QTemporaryDir bin, run;
        FakeTrainerProcess::Record rec;
        TensorBoardLauncher tb(fakeFactory(&rec));
        tb.setExecutable(fakeTensorBoard(bin));
        tb.setUrlOpener([](const QUrl&) {});
        QSignalSpy msgs(&tb, &TensorBoardLauncher::message);
        QString err;
        QVERIFY(tb.start(run.path(), &err));
        rec.live->emitStarted();
        rec.live->err("E0101 address already in use\n");
        rec.live->exit(1);
        QVERIFY(!tb.running());
        QVERIFY2(msgs.last().at(0).toString().contains("exited (code 1)") && msgs.last().at(0).toString().contains("address already in use"),
                 qPrintable(msgs.last().at(0).toString()));
    }
};

QTEST_MAIN(TstTensorBoardLauncher)
#include "tst_tensorboard_launcher.moc"
