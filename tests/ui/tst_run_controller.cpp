// RunController against a fake trainer process: start (config.json, arguments, environment), events and
// logs, malformed lines, stop and the kill-now escape, crashes with error events or stderr tails, refusal
// to overwrite a run, resume replaying history, and attaching to a run folder (finished and live).
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/run/run_folder.h"
#include "fake_trainer_process.h"
#include "run_folder_fixture.h"
#include "ui/process/run_controller.h"

using namespace studio;
using namespace studio::ui;
using studio::ui::testing::FakeTrainerProcess;
using studio::ui::testing::fakeFactory;
using studio::ui::testing::writeCheckpoint;

Q_DECLARE_METATYPE(std::vector<studio::Event>)

namespace {
QByteArray stepLine(int step, double total = 1.5) {
    return QStringLiteral(R"({"v":1,"type":"step","epoch":0,"step":%1,"t":100.0,"lr":0.0001,"loss":{"total":%2}})")
               .arg(step).arg(total).toUtf8() + "\n";
}
RunConfig configIn(const QString& dir) {
    RunConfig c = defaultRunConfig();
    c.outputDir = dir.toStdString();
    c.batchSize = 16;
    c.gradAccumSteps = 1;
    c.numGpus = 4;
    c.hfToken = "hf_secret_token";
    return c;
}
int countEvents(const QSignalSpy& spy) {
    int n = 0;
    for (const auto& args : spy) n += int(args.at(0).value<std::vector<Event>>().size());
    return n;
}

/// A RunController over a fake trainer process (trainer path "/x/rfdetr-train") and a fresh temporary run
/// folder. Main thread.
struct ControllerRig {
    QTemporaryDir dir;
    FakeTrainerProcess::Record rec;
    RunController rc{fakeFactory(&rec)};

    ControllerRig() { rc.setTrainerPath("/x/rfdetr-train"); }
    /// Starts configIn(dir) in `mode`; false (the controller's reason as a warning) when it refuses.
    bool start(StartMode mode = StartMode::Fresh) {
        QString err;
        const bool ok = rc.start(configIn(dir.path()), mode, &err);
        if (!ok) qWarning("start refused: %s", qPrintable(err));
        return ok;
    }
    /// start(), then the fake process reports it started (the controller is Running).
    bool startRunning() {
        if (!start()) return false;
        rec.live->emitStarted();
        return true;
    }
};
}  // namespace

class TstRunController : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { qRegisterMetaType<std::vector<studio::Event>>(); }

    void startWritesConfigAndLaunches() {
        QTemporaryDir dir;
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/opt/rfdetr-train");
        qputenv("BATCH_SIZE", "999");  // a seed variable in the Studio's environment must not reach the trainer
        QSignalSpy states(&rc, &RunController::stateChanged);
        QString err;
        const QString run = dir.path() + "/run1";
        QVERIFY2(rc.start(configIn(run), StartMode::Fresh, &err), qPrintable(err));
        qunsetenv("BATCH_SIZE");
        QCOMPARE(rc.state(), RunState::Starting);
        QVERIFY(rec.live);
        QCOMPARE(rec.spec.program, QString("/opt/rfdetr-train"));
        QCOMPARE(rec.spec.arguments, (QStringList{"--config", run + "/config.json"}));
        QCOMPARE(rec.spec.environment.value("HF_TOKEN"), QString("hf_secret_token"));
        QVERIFY(!rec.spec.environment.contains("BATCH_SIZE"));
        QFile cfg(run + "/config.json");
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        const QByteArray text = cfg.readAll();
        QVERIFY(!text.contains("hf_secret_token"));
        QVERIFY(!text.contains("hf_token"));
        const QJsonObject o = QJsonDocument::fromJson(text).object();
        QCOMPARE(o.value("batch_size").toInt(), 16);
        QCOMPARE(o.value("num_gpus").toInt(), 4);
        QCOMPARE(o.value("output_dir").toString(), run);
        rec.live->emitStarted();
        QCOMPARE(rc.state(), RunState::Running);
        QCOMPARE(states.count(), 2);
        QCOMPARE(rc.trainerPid(), 4242);
    }
    void eventsLogsAndMalformedLines() {
        ControllerRig t;
        QSignalSpy events(&t.rc, &RunController::eventsReceived);
        QSignalSpy logs(&t.rc, &RunController::logLines);
        QSignalSpy malformed(&t.rc, &RunController::malformedLinesChanged);
        QString err;
        QVERIFY(t.startRunning());
        // A line split across reads, garbage, an unknown type, then a done event.
        t.rec.live->out(stepLine(1).left(20));
        t.rec.live->out(stepLine(1).mid(20) + stepLine(2) + "not json\n{\"v\":1,\"type\":\"future\"}\n");
        t.rec.live->err("[10:00:00] [warning] slow loader\n[10:00:01] [info] epoch 0\n");
        QCOMPARE(countEvents(events), 3);
        QCOMPARE(t.rc.malformedLines(), 1);
        QCOMPARE(malformed.last().at(0).toInt(), 1);
        QList<LogLine> all;
        for (const auto& a : logs) all += a.at(0).value<QList<LogLine>>();
        bool sawWarning = false, sawStdout = false;
        for (const auto& l : all) {
            sawWarning |= l.level == LogLevel::Warning && l.text.contains("slow loader") && l.source == "trainer";
            sawStdout |= l.source == "stdout" && l.text == "not json";
        }
        QVERIFY(sawWarning);
        QVERIFY(sawStdout);
        t.rec.live->out(R"({"v":1,"type":"done","status":"finished","exit_code":0})" "\n");
        t.rec.live->exit(0);
        QCOMPARE(t.rc.state(), RunState::Finished);
    }
    void floodingOutputStaysBounded() {
        ControllerRig t;
        QSignalSpy events(&t.rc, &RunController::eventsReceived);
        QVERIFY(t.startRunning());
        QByteArray chunk;
        for (int i = 1; i <= 20000; ++i) chunk += stepLine(i);
        t.rec.live->out(chunk);
        t.rec.live->out(QByteArray(8 << 20, 'x'));  // one 8 MB line without newline: cut at 1 MB
        t.rec.live->out("\n");
        QCOMPARE(countEvents(events), 20000);
        QCOMPARE(t.rc.malformedLines(), 1);
        QCOMPARE(events.count(), 1);  // one batch per read
    }
    void stopSendsTheCommandThenOffersKill() {
        ControllerRig t;
        t.rc.setStopGraceMs(50);
        QVERIFY(t.startRunning());
        QSignalSpy slow(&t.rc, &RunController::stopTakingLong);
        t.rc.stop();
        QCOMPARE(t.rec.written, QByteArray("{\"cmd\":\"stop\"}\n"));
        QCOMPARE(t.rc.state(), RunState::Stopping);
        QVERIFY(slow.wait(2000));
        QVERIFY(t.rc.stopTimedOut());
        t.rc.killNow();
        QCOMPARE(t.rec.kills, 1);
        QCOMPARE(t.rc.state(), RunState::Stopped);
    }
    void gracefulStopEndsStopped() {
        ControllerRig t;
        QVERIFY(t.startRunning());
        t.rc.stop();
        t.rec.live->out(R"({"v":1,"type":"checkpoint","epoch":0,"step":5,"path":"checkpoint.pth","has_ema":true})" "\n"
                      R"({"v":1,"type":"done","status":"stopped","exit_code":0})" "\n");
        t.rec.live->exit(0);
        QCOMPARE(t.rc.state(), RunState::Stopped);
        QVERIFY(t.rc.failureMessage().isEmpty());
    }
    void stopFallsBackToSigintWhenStdinIsClosed() {
        ControllerRig t;
        QVERIFY(t.startRunning());
        t.rec.live->closeStdin();
        t.rc.stop();
        QCOMPARE(t.rec.interrupts, 1);
        t.rec.live->exit(130);
        QCOMPARE(t.rc.state(), RunState::Stopped);
    }
    void crashShowsTheErrorEvent() {
        ControllerRig t;
        QSignalSpy failed(&t.rc, &RunController::failed);
        QVERIFY(t.startRunning());
        t.rec.live->out(R"({"v":1,"type":"error","rank":1,"message":"CUDA out of memory","hint":"lower batch_size","code":"oom"})" "\n");
        t.rec.live->exit(1);
        QCOMPARE(t.rc.state(), RunState::Failed);
        QCOMPARE(failed.count(), 1);
        const QString msg = failed.first().at(0).toString();
        QVERIFY(msg.contains("exited with code 1"));
        QVERIFY(msg.contains("CUDA out of memory"));
        QVERIFY(msg.contains("lower batch_size"));
        QVERIFY(msg.contains("no resumable checkpoint"));
    }
    void aFailureNamesAMidEpochCheckpointWithoutMinusOne() {
        // Out of memory at step 4 of the first epoch: the checkpoint closes no epoch (rfdetr's epoch -1).
        ControllerRig t;
        QVERIFY(t.startRunning());
        QVERIFY(writeCheckpoint(t.dir.path(),
                                R"({"format":"rfdetr-studio-checkpoint","version":1,"epoch":-1,"step":3,"has_ema":true,)"
                                R"("complete":true,"kind":"last","world_size":1,"model_size":"small","num_classes":3,"resumable":true})"));
        t.rec.live->out(R"({"v":1,"type":"checkpoint","epoch":-1,"step":3,"path":"checkpoint.pth","has_ema":true})" "\n"
                      R"({"v":1,"type":"error","rank":0,"message":"batch 2 ran out of memory","code":"oom"})" "\n");
        t.rec.live->exit(1);
        QCOMPARE(t.rc.state(), RunState::Failed);
        QVERIFY2(t.rc.failureMessage().contains("keeps a checkpoint (epoch 1, step 3 (mid-epoch)): Resume continues from it."),
                 qPrintable(t.rc.failureMessage()));
        QVERIFY(!t.rc.failureMessage().contains("epoch 0"));
        QVERIFY(!t.rc.failureMessage().contains("-1"));
    }
    void crashWithoutEventsShowsTheStderrTail() {
        ControllerRig t;
        QString err;
        QVERIFY(t.startRunning());
        for (int i = 0; i < 60; ++i) t.rec.live->err(QByteArray("line ") + QByteArray::number(i) + "\n");
        t.rec.live->err("Segmentation fault");  // no newline: flushed at exit
        t.rec.live->exit(11, true);
        QCOMPARE(t.rc.state(), RunState::Failed);
        QVERIFY(t.rc.failureMessage().contains("crashed"));
        QVERIFY(t.rc.failureMessage().contains("Segmentation fault"));
        QVERIFY(t.rc.failureMessage().contains("line 59"));
        QVERIFY(!t.rc.failureMessage().contains("line 40\n"));  // only the tail
        QCOMPARE(t.rc.stderrTail().size(), 40);
    }
    void failedToStartIsReported() {
        ControllerRig t;
        QVERIFY(t.start());
        t.rec.live->failToStart("No such file or directory");
        QCOMPARE(t.rc.state(), RunState::Failed);
        QVERIFY(t.rc.failureMessage().contains("No such file or directory"));
        QVERIFY(t.rc.failureMessage().contains("Settings"));
    }
    void refusesToOverwriteARunOrAnUnusableFolder() {
        ControllerRig t;
        QFile ev(t.dir.path() + "/events.jsonl");
        QVERIFY(ev.open(QIODevice::WriteOnly));
        ev.write(stepLine(1));
        ev.close();
        QString err;
        QVERIFY(!t.rc.start(configIn(t.dir.path()), StartMode::Fresh, &err));
        QVERIFY(err.contains("already holds a run"));
        QVERIFY(!QFile::exists(t.dir.path() + "/config.json"));  // nothing written
        QVERIFY(!t.rec.live);
        QFile file(t.dir.path() + "/plainfile");
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        QVERIFY(!t.rc.start(configIn(file.fileName()), StartMode::Fresh, &err));
        QVERIFY(err.contains("not a folder"));
        RunController noTrainer(fakeFactory(&t.rec));
        QVERIFY(!noTrainer.start(configIn(t.dir.path() + "/new"), StartMode::Fresh, &err));
        QVERIFY(err.contains("rfdetr-train"));
    }
    void resumeReplaysHistoryThenLaunches() {
        ControllerRig t;
        QFile ev(t.dir.path() + "/events.jsonl");
        QVERIFY(ev.open(QIODevice::WriteOnly));
        ev.write(stepLine(1) + stepLine(2) + R"({"v":1,"type":"done","status":"stopped","exit_code":0})" "\n");
        ev.close();
        QSignalSpy events(&t.rc, &RunController::eventsReceived);
        QVERIFY(t.start(StartMode::ResumeAuto));
        QTRY_VERIFY(t.rec.live != nullptr);
        QCOMPARE(countEvents(events), 3);
        QVERIFY(t.rec.spec.arguments.contains("--resume"));
        QCOMPARE(t.rec.spec.arguments.at(t.rec.spec.arguments.indexOf("--resume") + 1), QString("auto"));
        t.rec.live->emitStarted();
        t.rec.live->out(stepLine(3));
        t.rec.live->exit(1);  // the old run's "stopped" must not count for the new process
        QCOMPARE(t.rc.state(), RunState::Failed);
    }
    void attachToAFinishedRun() {
        QTemporaryDir dir;
        QVERIFY(QFile::copy(STUDIO_TEST_DATA_DIR "/ui/events.jsonl", dir.path() + "/events.jsonl"));
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        QSignalSpy events(&rc, &RunController::eventsReceived);
        QSignalSpy reset(&rc, &RunController::runReset);
        QString err;
        QVERIFY2(rc.attach(dir.path(), &err), qPrintable(err));
        QCOMPARE(reset.count(), 1);
        QTRY_COMPARE(rc.state(), RunState::Finished);
        QCOMPARE(countEvents(events), 207);
        QCOMPARE(rc.malformedLines(), 1);
        QVERIFY(!rec.live);  // nothing launched
    }
    void attachRejectsFoldersWithoutEvents() {
        QTemporaryDir dir;
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        QString err;
        QVERIFY(!rc.attach(dir.path(), &err));
        QVERIFY(err.contains("no events.jsonl"));
        QVERIFY(!rc.attach(dir.path() + "/missing", &err));
        QVERIFY(err.contains("not a folder"));
    }
    void attachFollowsALiveRunUntilItsLockIsReleased() {
        QTemporaryDir dir;
        const QString events = dir.path() + "/events.jsonl";
        QFile ev(events);
        QVERIFY(ev.open(QIODevice::WriteOnly));
        ev.write(stepLine(1));
        ev.flush();
        // The trainer's lock: this test process plays the live trainer.
        const std::string lockPath = RunFolder{dir.path().toStdString()}.lockFile();
        const int lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT, 0644);
        QVERIFY(lockFd >= 0);
        QVERIFY(::flock(lockFd, LOCK_EX | LOCK_NB) == 0);
        const QByteArray pid = QByteArray::number(qint64(::getpid())) + "\n";
        QVERIFY(::write(lockFd, pid.constData(), size_t(pid.size())) == pid.size());
        long long lockPid = 0;
        QVERIFY(runIsLocked(dir.path().toStdString(), &lockPid));
        QCOMPARE(lockPid, qint64(::getpid()));
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setFollowPollMs(20);
        QSignalSpy got(&rc, &RunController::eventsReceived);
        QString err;
        QVERIFY(rc.attach(dir.path(), &err));
        QCOMPARE(rc.state(), RunState::Watching);
        QTRY_COMPARE(countEvents(got), 1);
        ev.write(stepLine(2));
        ev.write(R"({"v":1,"type":"done","status":"finished"})");  // written in two parts
        ev.flush();
        QTRY_COMPARE(countEvents(got), 2);
        ev.write("\n");
        ev.flush();
        QTRY_COMPARE(countEvents(got), 3);
        QCOMPARE(rc.state(), RunState::Watching);
        ::close(lockFd);  // the trainer exits: its lock goes
        QTRY_COMPARE_WITH_TIMEOUT(rc.state(), RunState::Finished, 5000);
    }
};

QTEST_GUILESS_MAIN(TstRunController)
#include "tst_run_controller.moc"
