// The issue-11 tools inside the main window: "Predict memory/speed" runs `rfdetr-train plan --json`
// through the process factory and shows the estimate under the effective batch (a "does not fit" result
// offers the suggested split as a link that sets it; changed settings mark the estimate stale); the Health
// tab receives every rank's steps while the loss plot keeps rank 0's; a failed plan is shown in red; the
// TensorBoard button's server stops with the live run it was opened for, and a browsed one with a run switch
// or the window.
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "fake_trainer_process.h"
#include "main_window_fixture.h"
#include "ui/config/run_config_model.h"
#include "ui/health/health_view.h"
#include "ui/main/main_window.h"
#include "ui/panels/config_panel.h"
#include "ui/plots/metric_store.h"
#include "ui/process/run_controller.h"
#include "ui/process/tensorboard_launcher.h"

using namespace studio;
using namespace studio::ui;
using studio::ui::testing::FakeTrainerProcess;
using studio::ui::testing::fakeFactory;
using studio::ui::testing::MainWindowHome;
using studio::ui::testing::startFakeRun;
using studio::ui::testing::waitForTrainer;
using studio::ui::testing::writeExecutable;

class TstMainWindowTools : public QObject {
    Q_OBJECT
    MainWindowHome m_home;

private slots:
    void initTestCase() { QVERIFY(m_home.setUp("tst_main_window_tools")); }
    void cleanupTestCase() { m_home.tearDown(); }

    void predictShowsTheEstimateAndOffersTheSplit() {
        FakeTrainerProcess::Record rec;
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        w.show();
        QVERIFY(waitForTrainer(w));
        w.configModel()->setFieldText("batch_size", "32");
        w.configModel()->setFieldText("grad_accum_steps", "1");
        auto* predict = w.findChild<QPushButton*>("predictButton");
        QVERIFY(predict);
        predict->click();
        QVERIFY(rec.live);
        QCOMPARE(rec.spec.program, m_home.trainer());
        QCOMPARE(rec.spec.arguments.value(0), QString("plan"));
        QVERIFY(rec.spec.arguments.contains("--json"));
        QCOMPARE(predict->text(), QString("Cancel prediction"));
        QVERIFY(w.configPanel()->memoryEstimate().contains("Measuring"));
        rec.live->emitStarted();
        rec.live->out(R"({"device":"cuda:0","device_name":"NVIDIA H100","model_size":"medium","resolution":576,"batch_size":32,)"
                      R"("num_gpus":1,"peak_memory_bytes":96636764160,"device_memory_bytes":85899345920,"images_per_s":40,)"
                      R"("fits":false,"suggested":{"batch_size":16,"grad_accum_steps":2},"cached":false})" "\n");
        rec.live->exit(0);
        QCOMPARE(predict->text(), QString("Predict memory/speed"));
        const QString shown = w.configPanel()->memoryEstimate();
        QVERIFY2(shown.contains("Predicted peak 90.0 GiB of 80.0 GiB per GPU") && shown.contains("does NOT fit") &&
                     shown.contains("Use 16 × 2"),
                 qPrintable(shown));
        auto* label = w.findChild<QLabel*>("memoryEstimate");
        QVERIFY(label);
        emit label->linkActivated("split:16:2");
        QCOMPARE(w.configModel()->config().batchSize, 16);
        QCOMPARE(w.configModel()->config().gradAccumSteps, 2);
        QVERIFY2(w.configPanel()->memoryEstimate().contains("changed since the last prediction"),
                 qPrintable(w.configPanel()->memoryEstimate()));
    }

    void aFailedPlanIsShown() {
        FakeTrainerProcess::Record rec;
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        w.show();
        QVERIFY(waitForTrainer(w));
        w.predictMemory();
        rec.live->emitStarted();
        rec.live->err("rfdetr-train plan: not available in this build yet\n");
        rec.live->exit(1);
        QVERIFY(w.configPanel()->memoryEstimate().contains("not available in this build yet"));
        // Cancel while running.
        w.predictMemory();
        rec.live->emitStarted();
        w.findChild<QPushButton*>("predictButton")->click();
        QCOMPARE(rec.kills, 1);
        QVERIFY(w.configPanel()->memoryEstimate().contains("cancelled"));
    }

    void healthGetsEveryRankAndPlotsGetRankZero() {
        QTemporaryDir runs;
        FakeTrainerProcess::Record rec;
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        QVERIFY(startFakeRun(w, rec, runs.path() + "/run1"));
        QByteArray lines;
        for (int s = 1; s <= 10; ++s) {
            for (int r = 0; r < 2; ++r)
                lines += QStringLiteral(R"({"v":1,"type":"step","epoch":0,"step":%1,"rank":%2,"t":1.0,"loss":{"total":%3},"step_ms":%4,"data_wait_ms":1})")
                             .arg(s).arg(r).arg(r == 0 ? 2.0 : 7.0).arg(r == 0 ? 100 : 200).toUtf8() + "\n";
        }
        rec.live->out(lines);
        w.healthView()->refresh();
        QCOMPARE(w.healthView()->table()->rowCount(), 2);
        QVERIFY(w.healthView()->warningText().contains("Rank 1 is a straggler"));
        const Series* loss = w.metrics()->series("train/loss/total");
        QCOMPARE(loss->keys.size(), 10);
        QVERIFY(!loss->values.contains(7.0));
        rec.live->exit(0);
    }

    void tensorBoardStopsWithItsRun() {
        QTemporaryDir runs;
        const QString tbPath = m_home.path() + "/tensorboard";
        QVERIFY(writeExecutable(tbPath, "#!/bin/sh\nexec sleep 60\n"));
        // The trainer and TensorBoard get separate records: the factory hands out the one `next` points to.
        FakeTrainerProcess::Record trainer, tb;
        FakeTrainerProcess::Record* next = &trainer;
        TrainerProcessFactory factory = [&next] { return std::make_unique<FakeTrainerProcess>(next); };
        {
            MainWindow w(factory, m_home.trainer());
            w.tensorBoard()->setExecutable(tbPath);
            w.tensorBoard()->setUrlOpener([](const QUrl&) {});
            w.show();
            QVERIFY(waitForTrainer(w));
            auto* button = w.findChild<QPushButton*>("tensorBoardButton");
            QVERIFY(button);

            // Opened while the run trains: it stops when the run finishes.
            w.setOutputDir(runs.path() + "/run1");
            QVERIFY(w.startRun(StartMode::Fresh));
            FakeTrainerProcess* proc = trainer.live;
            proc->emitStarted();
            QCOMPARE(w.controller()->state(), RunState::Running);
            next = &tb;
            button->click();
            QVERIFY(w.tensorBoard()->running());
            QCOMPARE(tb.spec.program, tbPath);
            QCOMPARE(tb.spec.arguments.value(1), QDir(runs.path() + "/run1").filePath("tb"));
            QCOMPARE(button->text(), QString("TensorBoard ●"));
            proc->out(R"({"v":1,"type":"done","status":"finished","exit_code":0})" "\n");
            proc->exit(0);
            QTRY_COMPARE(w.controller()->state(), RunState::Finished);
            QVERIFY(!w.tensorBoard()->running());
            QCOMPARE(tb.kills, 1);
            QCOMPARE(button->text(), QString("TensorBoard"));

            // Opened to browse the finished run: it stays, and stops when another run is shown.
            button->click();
            QVERIFY(w.tensorBoard()->running());
            QCOMPARE(w.tensorBoard()->lifetime(), TensorBoardLauncher::Lifetime::UntilSwitch);
            QTest::qWait(50);
            QVERIFY(w.tensorBoard()->running());
            next = &trainer;
            w.setOutputDir(runs.path() + "/run2");
            QVERIFY(w.startRun(StartMode::Fresh));
            QVERIFY(!w.tensorBoard()->running());
            QCOMPARE(tb.kills, 2);

            // A failed run stops its server too; one left open when the window goes is stopped with it.
            proc = trainer.live;
            proc->emitStarted();
            next = &tb;
            button->click();
            QVERIFY(w.tensorBoard()->running());
            proc->exit(1);
            QTRY_COMPARE(w.controller()->state(), RunState::Failed);
            QVERIFY(!w.tensorBoard()->running());
            QCOMPARE(tb.kills, 3);
            button->click();
            QVERIFY(w.tensorBoard()->running());
        }
        QCOMPARE(tb.kills, 4);
    }
};

QTEST_MAIN(TstMainWindowTools)
#include "tst_main_window_tools.moc"
