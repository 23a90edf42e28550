// The Studio's controller launching the real rfdetr-train (path in RFDETR_TRAIN) through QProcess:
// the version probe accepts it, and a run started with --dry-run gets config.json through --config,
// resolves the values the Studio set (effective batch 16 × 1 × 4 = 64) and exits 0. A missing binary
// fails to start with a clear message.
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "studio_version.h"
#include "ui/process/run_controller.h"
#include "ui/process/trainer_locator.h"

using namespace studio;
using namespace studio::ui;

Q_DECLARE_METATYPE(studio::ui::TrainerCheck)

class TstStudioTrainer : public QObject {
    Q_OBJECT
    QString m_trainer;

private slots:
    void initTestCase() {
        m_trainer = qEnvironmentVariable("RFDETR_TRAIN");
        QVERIFY2(QFileInfo(m_trainer).isExecutable(), "set RFDETR_TRAIN to the rfdetr-train binary");
        qRegisterMetaType<studio::ui::TrainerCheck>();
    }
    void versionProbeAcceptsTheBuiltTrainer() {
        TrainerProbe p;
        QSignalSpy spy(&p, &TrainerProbe::checked);
        p.check(m_trainer, STUDIO_VERSION, 60000);
        QVERIFY(spy.count() == 1 || spy.wait(60000));
        const auto c = spy.first().at(0).value<TrainerCheck>();
        QVERIFY2(c.ok(), qPrintable(c.error));
        QVERIFY(c.version.backend.startsWith("LibTorch"));
    }
    void dryRunThroughTheController() {
        QTemporaryDir dir;
        RunController rc(realTrainerProcessFactory());
        rc.setTrainerPath(m_trainer);
        rc.setExtraArguments({"--dry-run"});
        QList<LogLine> lines;
        connect(&rc, &RunController::logLines, this, [&](const QList<LogLine>& l) { lines += l; });
        RunConfig cfg = defaultRunConfig(ModelSize::Small);
        cfg.outputDir = (dir.path() + "/run").toStdString();
        cfg.batchSize = 16;
        cfg.gradAccumSteps = 1;
        cfg.numGpus = 4;  // a dry run plans without the GPUs (warnings only)
        cfg.epochs = 3;
        QString err;
        QVERIFY2(rc.start(cfg, StartMode::Fresh, &err), qPrintable(err));
        QTRY_VERIFY_WITH_TIMEOUT(!isActive(rc.state()), 120000);
        QString stdoutText, stderrText;
        for (const auto& l : lines) {
            if (l.source == "stdout") stdoutText += l.text + "\n";
            if (l.source == "trainer") stderrText += l.text + "\n";
        }
        QVERIFY2(rc.state() == RunState::Finished, qPrintable(rc.failureMessage() + "\n" + stderrText));
        // --dry-run prints the resolved config (not events): the Studio shows it and counts the lines.
        QVERIFY(rc.malformedLines() > 10);
        const QJsonObject resolved = QJsonDocument::fromJson(stdoutText.toUtf8()).object();
        QVERIFY2(!resolved.isEmpty(), qPrintable(stdoutText.left(2000)));
        QCOMPARE(resolved.value("batch_size").toInt(), 16);
        QCOMPARE(resolved.value("model_size").toString(), QString("small"));
        QCOMPARE(resolved.value("epochs").toInt(), 3);
        QCOMPARE(resolved.value("effective_batch_size").toInt(), 64);
        QCOMPARE(resolved.value("output_dir").toString(), dir.path() + "/run");
    }
    // A real (tiny) training on the demo forms started by the controller: step events arrive while it runs,
    // Stop sends {"cmd":"stop"}, the trainer finishes the step, writes checkpoint.pth and ends "stopped".
    void trainsTheDemoAndStops() {
        QTemporaryDir dir;
        qputenv("CACHE_DIR", (dir.path() + "/cache").toUtf8());
        RunController rc(realTrainerProcessFactory());
        rc.setTrainerPath(m_trainer);
        rc.setExtraArguments({"--num-queries", "30", "--no-multi-scale"});
        long long steps = 0;
        QString doneStatus;
        connect(&rc, &RunController::eventsReceived, this, [&](const std::vector<Event>& events) {
            for (const auto& e : events) {
                if (std::holds_alternative<StepEvent>(e)) ++steps;
                if (const auto* d = std::get_if<DoneEvent>(&e)) doneStatus = QString::fromStdString(d->status);
            }
        });
        RunConfig cfg = defaultRunConfig(ModelSize::Small);
        cfg.dataset = "demo";
        cfg.device = DeviceKind::Cpu;
        cfg.outputDir = (dir.path() + "/run").toStdString();
        cfg.resolution = 96;
        cfg.batchSize = 2;
        cfg.gradAccumSteps = 1;
        cfg.epochs = 1;
        QString err;
        QVERIFY2(rc.start(cfg, StartMode::Fresh, &err), qPrintable(err));
        QTRY_VERIFY_WITH_TIMEOUT(steps >= 2 || !isActive(rc.state()), 600000);
        QVERIFY2(steps >= 2, qPrintable(rc.failureMessage()));
        rc.stop();
        QTRY_VERIFY_WITH_TIMEOUT(!isActive(rc.state()), 600000);
        qunsetenv("CACHE_DIR");
        QCOMPARE(doneStatus, QString("stopped"));
        QVERIFY(QFileInfo::exists(dir.path() + "/run/checkpoint.pth"));
    }
    void missingTrainerFailsToStart() {
        QTemporaryDir dir;
        RunController rc(realTrainerProcessFactory());
        rc.setTrainerPath(dir.path() + "/no-such-rfdetr-train");
        QSignalSpy failed(&rc, &RunController::failed);
        RunConfig cfg = defaultRunConfig();
        cfg.outputDir = (dir.path() + "/run").toStdString();
        QString err;
        QVERIFY(rc.start(cfg, StartMode::Fresh, &err));
        QVERIFY(failed.count() == 1 || failed.wait(10000));
        QCOMPARE(rc.state(), RunState::Failed);
        QVERIFY(rc.failureMessage().contains("Could not start"));
    }
};

QTEST_GUILESS_MAIN(TstStudioTrainer)
#include "tst_studio_trainer.moc"
