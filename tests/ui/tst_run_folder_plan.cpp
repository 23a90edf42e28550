// Before a run: output-folder checks, config.json without secrets, the trainer's arguments and an
// environment scrubbed of the seed's variables; and what the log pane says about each event.
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/process/event_log.h"
#include "ui/process/run_folder_plan.h"

using namespace studio;
using namespace studio::ui;

class TstRunFolderPlan : public QObject {
    Q_OBJECT
private slots:
    void writesConfigWithoutSecrets() {
        QTemporaryDir dir;
        RunConfig c = defaultRunConfig(ModelSize::Large);
        c.outputDir = (dir.path() + "/a/b").toStdString();
        c.hfToken = "hf_secret";
        c.epochs = 12;
        const RunFolderPlan p = prepareRunFolder(c, false);
        QVERIFY2(p.error.isEmpty(), qPrintable(p.error));
        QCOMPARE(p.configPath, dir.path() + "/a/b/config.json");
        QFile f(p.configPath);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QVERIFY(!text.contains("hf_secret"));
        const QJsonObject o = QJsonDocument::fromJson(text).object();
        QCOMPARE(o.value("model_size").toString(), QString("large"));
        QCOMPARE(o.value("epochs").toInt(), 12);
        QCOMPARE(o.value("resume").toString(), QString(""));
        QVERIFY(!o.contains("hf_token"));
        const RunFolderPlan resumed = prepareRunFolder(c, true);  // the folder may hold a run when resuming
        QVERIFY(resumed.error.isEmpty());
        QCOMPARE(QString::fromStdString(resumeSetting(resumed.config)), QString("auto"));
    }
    void refusesUnusableFolders() {
        QTemporaryDir dir;
        RunConfig c = defaultRunConfig();
        c.outputDir = "";
        QVERIFY(prepareRunFolder(c, false).error.contains("Choose an output folder"));
        QFile ev(dir.path() + "/checkpoint.pth");
        QVERIFY(ev.open(QIODevice::WriteOnly));
        ev.close();
        c.outputDir = dir.path().toStdString();
        const RunFolderPlan p = prepareRunFolder(c, false);
        QVERIFY(p.error.contains("already holds a run"));
        QVERIFY(!QFile::exists(dir.path() + "/config.json"));
        c.outputDir = ev.fileName().toStdString() + "/sub";
        QVERIFY(!prepareRunFolder(c, false).error.isEmpty());
    }
    void launchScrubsTheSeedVariables() {
        QProcessEnvironment env;
        env.insert("BATCH_SIZE", "64");
        env.insert("NUM_GPUS", "8");
        env.insert("RESUME_CHECKPOINT", "auto");
        env.insert("HF_TOKEN", "old_token");
        env.insert("PATH", "/usr/bin");
        RunConfig c = defaultRunConfig();
        TrainerLaunch l = makeTrainerLaunch("/bin/rfdetr-train", {"--config", "/r/config.json"}, "/r", c, env);
        QCOMPARE(l.program, QString("/bin/rfdetr-train"));
        QCOMPARE(l.workingDirectory, QString("/r"));
        QVERIFY(!l.environment.contains("BATCH_SIZE"));
        QVERIFY(!l.environment.contains("NUM_GPUS"));
        QVERIFY(!l.environment.contains("RESUME_CHECKPOINT"));
        QVERIFY(!l.environment.contains("HF_TOKEN"));  // the Studio's token (none here), not the shell's
        QCOMPARE(l.environment.value("PATH"), QString("/usr/bin"));
        c.hfToken = "hf_new";
        l = makeTrainerLaunch("/bin/rfdetr-train", {}, "/r", c, env);
        QCOMPARE(l.environment.value("HF_TOKEN"), QString("hf_new"));
    }
    void eventLogLines() {
        ErrorEvent err;
        err.rank = 2;
        err.message = "CUDA out of memory";
        err.hint = "lower batch_size";
        auto l = logLineForEvent(err, 1.0);
        QVERIFY(l);
        QCOMPARE(l->level, LogLevel::Error);
        QCOMPARE(l->text, QString("rank 2: CUDA out of memory (hint: lower batch_size)"));
        LogEvent w;
        w.level = "warn";
        w.message = "slow loader";
        QCOMPARE(logLineForEvent(w, 0)->level, LogLevel::Warning);
        CheckpointEvent c;
        c.epoch = 4;
        c.path = "checkpoint0004.pth";
        c.hasEma = true;
        QCOMPARE(logLineForEvent(c, 0)->text, QString("Checkpoint checkpoint0004.pth (epoch 5, with EMA)"));
        // A checkpoint from the middle of the first epoch (--max-steps, Stop, out of memory) closes no epoch:
        // rfdetr stores epoch -1 there, which the Studio never shows.
        c.epoch = -1;
        c.step = 7;
        c.path = "checkpoint.pth";
        QCOMPARE(logLineForEvent(c, 0)->text, QString("Checkpoint checkpoint.pth (epoch 1, step 7 (mid-epoch), with EMA)"));
        QCOMPARE(checkpointPositionText(-1, 7), QString("epoch 1, step 7 (mid-epoch)"));
        QCOMPARE(checkpointPositionText(-1, 0), QString());   // nothing known
        QCOMPARE(checkpointPositionText(-1, -1), QString());
        QCOMPARE(checkpointPositionText(0, 150), QString("epoch 1"));  // the end of the first epoch
        QCOMPARE(checkpointPositionText(2, 300, 100), QString("epoch 3"));
        QCOMPARE(checkpointPositionText(2, 345, 100), QString("epoch 4, step 345 (mid-epoch)"));
        DoneEvent d;
        d.status = "failed";
        d.exitCode = 1;
        QCOMPARE(logLineForEvent(d, 0)->level, LogLevel::Error);
        QVERIFY(!logLineForEvent(StepEvent{}, 0));
        QVERIFY(!logLineForEvent(GpuEvent{}, 0));
    }
};

QTEST_GUILESS_MAIN(TstRunFolderPlan)
#include "tst_run_folder_plan.moc"
