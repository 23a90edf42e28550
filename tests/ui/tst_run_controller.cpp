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
#include "ui/process/run_controller.h"

using namespace studio;
using namespace studio::ui;
using studio::ui::testing::FakeTrainerProcess;
using studio::ui::testing::fakeFactory;

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
        QTemporaryDir dir;
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/x/rfdetr-train");
        QSignalSpy events(&rc, &RunController::eventsReceived);
        QSignalSpy logs(&rc, &RunController::logLines);
        QSignalSpy malformed(&rc, &RunController::malformedLinesChanged);
        QString err;
        QVERIFY(rc.start(configIn(dir.path()), StartMode::Fresh, &err));
        rec.live->emitStarted();
        // A line split across reads, garbage, an unknown type, then a done event.
        rec.live->out(stepLine(1).left(20));
        rec.live->out(stepLine(1).mid(20) + stepLine(2) + "not json\n{\"v\":1,\"type\":\"future\"}\n");
        rec.live->err("[10:00:00] [warning] slow loader\n[10:00:01] [info] epoch 0\n");
        QCOMPARE(countEvents(events), 3);
        QCOMPARE(rc.malformedLines(), 1);
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
        rec.live->out(R"({"v":1,"type":"done","status":"finished","exit_code":0})" "\n");
        rec.live->exit(0);
        QCOMPARE(rc.state(), RunState::Finished);
    }
    void floodingOutputStaysBounded() {
        QTemporaryDir dir;
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/x/rfdetr-train");
        QSignalSpy events(&rc, &RunController::eventsReceived);
        QString err;
        QVERIFY(rc.start(configIn(dir.path()), StartMode::Fresh, &err));
        rec.live->emitStarted();
        QByteArray chunk;
        for (int i = 1; i <= 20000; ++i) chunk += stepLine(i);
        rec.live->out(chunk);
        rec.live->out(QByteArray(8 << 20, 'x'));  // one 8 MB line without newline: cut at 1 MB
        rec.live->out("\n");
        QCOMPARE(countEvents(events), 20000);
        QCOMPARE(rc.malformedLines(), 1);
        QCOMPARE(events.count(), 1);  // one batch per read
    }
    void stopSendsTheCommandThenOffersKill() {
        QTemporaryDir dir;
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/x/rfdetr-train");
        rc.setStopGraceMs(50);
        QString err;
        QVERIFY(rc.start(configIn(dir.path()), StartMode::Fresh, &err));
        rec.live->emitStarted();
        QSignalSpy slow(&rc, &RunController::stopTakingLong);
        rc.stop();
        QCOMPARE(rec.written, QByteArray("{\"cmd\":\"stop\"}\n"));
        QCOMPARE(rc.state(), RunState::Stopping);
        QVERIFY(slow.wait(2000));
        QVERIFY(rc.stopTimedOut());
        rc.killNow();
        QCOMPARE(rec.kills, 1);
        QCOMPARE(rc.state(), RunState::Stopped);
    }
    void gracefulStopEndsStopped() {
        QTemporaryDir dir;
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/x/rfdetr-train");
        QString err;
        QVERIFY(rc.start(configIn(dir.path()), StartMode::Fresh, &err));
        rec.live->emitStarted();
        rc.stop();
        rec.live->out(R"({"v":1,"type":"checkpoint","epoch":0,"step":5,"path":"checkpoint.pth","has_ema":true})" "\n"
                      R"({"v":1,"type":"done","status":"stopped","exit_code":0})" "\n");
        rec.live->exit(0);
        QCOMPARE(rc.state(), RunState::Stopped);
        QVERIFY(rc.failureMessage().isEmpty());
    }
    void stopFallsBackToSigintWhenStdinIsClosed() {
        QTemporaryDir dir;
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/x/rfdetr-train");
        QString err;
        QVERIFY(rc.start(configIn(dir.path()), StartMode::Fresh, &err));
        rec.live->emitStarted();
        rec.live->closeStdin();
        rc.stop();
        QCOMPARE(rec.interrupts, 1);
        rec.live->exit(130);
        QCOMPARE(rc.state(), RunState::Stopped);
    }
    void crashShowsTheErrorEvent() {
        QTemporaryDir dir;
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/x/rfdetr-train");
        QSignalSpy failed(&rc, &RunController::failed);
        QString err;
        QVERIFY(rc.start(configIn(dir.path()), StartMode::Fresh, &err));
        rec.live->emitStarted();
        rec.live->out(R"({"v":1,"type":"error","rank":1,"message":"CUDA out of memory","hint":"lower batch_size","code":"oom"})" "\n");
        rec.live->exit(1);
        QCOMPARE(rc.state(), RunState::Failed);
        QCOMPARE(failed.count(), 1);
        const QString msg = failed.first().at(0).toString();
        QVERIFY(msg.contains("exited with code 1"));
        QVERIFY(msg.contains("CUDA out of memory"));
        QVERIFY(msg.contains("lower batch_size"));
        QVERIFY(msg.contains("no resumable checkpoint"));
    }
    void aFailureNamesAMidEpochCheckpointWithoutMinusOne() {
        // Out of memory at step 4 of the first epoch: the checkpoint closes no epoch (rfdetr's epoch -1).
        QTemporaryDir dir;
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/x/rfdetr-train");
        QString err;
        QVERIFY(rc.start(configIn(dir.path()), StartMode::Fresh, &err));
        rec.live->emitStarted();
        QFile pth(dir.filePath("checkpoint.pth"));
        QVERIFY(pth.open(QIODevice::WriteOnly));
        pth.write("PK");
        pth.close();
        QFile side(dir.filePath("checkpoint.pth.json"));
        QVERIFY(side.open(QIODevice::WriteOnly));
        side.write(R"({"format":"rfdetr-studio-checkpoint","version":1,"epoch":-1,"step":3,"has_ema":true,)"
                   R"("complete":true,"kind":"last","world_size":1,"model_size":"small","num_classes":3,"resumable":true})");
        side.close();
        rec.live->out(R"({"v":1,"type":"checkpoint","epoch":-1,"step":3,"path":"checkpoint.pth","has_ema":true})" "\n"
                      R"({"v":1,"type":"error","rank":0,"message":"batch 2 ran out of memory","code":"oom"})" "\n");
        rec.live->exit(1);
        QCOMPARE(rc.state(), RunState::Failed);
        QVERIFY2(rc.failureMessage().contains("keeps a checkpoint (epoch 1, step 3 (mid-epoch)): Resume continues from it."),
                 qPrintable(rc.failureMessage()));
        QVERIFY(!rc.failureMessage().contains("epoch 0"));
        QVERIFY(!rc.failureMessage().contains("-1"));
    }
    void crashWithoutEventsShowsTheStderrTail() {
        QTemporaryDir dir;
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/x/rfdetr-train");
        QString err;
        QVERIFY(rc.start(configIn(dir.path()), StartMode::Fresh, &err));
        rec.live->emitStarted();
        for (int i = 0; i < 60; ++i) rec.live->err(QByteArray("line ") + QByteArray::number(i) + "\n");
        rec.live->err("Segmentation fault");  // no newline: flushed at exit
        rec.live->exit(11, true);
        QCOMPARE(rc.state(), RunState::Failed);
        QVERIFY(rc.failureMessage().contains("crashed"));
        QVERIFY(rc.failureMessage().contains("Segmentation fault"));
        QVERIFY(rc.failureMessage().contains("line 59"));
        QVERIFY(!rc.failureMessage().contains("line 40\n"));  // only the tail
        QCOMPARE(rc.stderrTail().size(), 40);
    }
    void failedToStartIsReported() {
        QTemporaryDir dir;
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/x/rfdetr-train");
        QString err;
        QVERIFY(rc.start(configIn(dir.path()), StartMode::Fresh, &err));
        rec.live->failToStart("No such file or directory");
        QCOMPARE(rc.state(), RunState::Failed);
        QVERIFY(rc.failureMessage().contains("No such file or directory"));
        QVERIFY(rc.failureMessage().contains("Settings"));
    }
    void refusesToOverwriteARunOrAnUnusableFolder() {
        QTemporaryDir dir;
        QFile ev(dir.path() + "/events.jsonl");
        QVERIFY(ev.open(QIODevice::WriteOnly));
        ev.write(stepLine(1));
        ev.close();
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/x/rfdetr-train");
        QString err;
        QVERIFY(!rc.start(configIn(dir.path()), StartMode::Fresh, &err));
        QVERIFY(err.contains("already holds a run"));
        QVERIFY(!QFile::exists(dir.path() + "/config.json"));  // nothing written
        QVERIFY(!rec.live);
        QFile file(dir.path() + "/plainfile");
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        QVERIFY(!rc.start(configIn(file.fileName()), StartMode::Fresh, &err));
        QVERIFY(err.contains("not a folder"));
        RunController noTrainer(fakeFactory(&rec));
        QVERIFY(!noTrainer.start(configIn(dir.path() + "/new"), StartMode::Fresh, &err));
        QVERIFY(err.contains("rfdetr-train"));
    }
    void resumeReplaysHistoryThenLaunches() {
        QTemporaryDir dir;
        QFile ev(dir.path() + "/events.jsonl");
        QVERIFY(ev.open(QIODevice::WriteOnly));
        ev.write(stepLine(1) + stepLine(2) + R"({"v":1,"type":"done","status":"stopped","exit_code":0})" "\n");
        ev.close();
        FakeTrainerProcess::Record rec;
        RunController rc(fakeFactory(&rec));
        rc.setTrainerPath("/x/rfdetr-train");
        QSignalSpy events(&rc, &RunController::eventsReceived);
        QString err;
        QVERIFY2(rc.start(configIn(dir.path()), StartMode::ResumeAuto, &err), qPrintable(err));
        QTRY_VERIFY(rec.live != nullptr);
        QCOMPARE(countEvents(events), 3);
        QVERIFY(rec.spec.arguments.contains("--resume"));
        QCOMPARE(rec.spec.arguments.at(rec.spec.arguments.indexOf("--resume") + 1), QString("auto"));
        rec.live->emitStarted();
        rec.live->out(stepLine(3));
        rec.live->exit(1);  // the old run's "stopped" must not count for the new process
        QCOMPARE(rc.state(), RunState::Failed);
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
