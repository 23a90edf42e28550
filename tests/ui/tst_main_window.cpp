// The main window as a user drives it (offscreen): typing updates the effective batch on every keystroke,
// errors are marked inline and block Start, presets apply in one click, tooltips come from the field
// table, Start launches through the controller (fake process) and plots its events, closing while a run
// is active asks (leave it running detaches), and settings survive a restart.
#include <QApplication>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/run/run_folder.h"
#include "fake_trainer_process.h"
#include "main_window_fixture.h"
#include "ui/main/app_settings.h"
#include "ui/config/run_config_model.h"
#include "ui/log/log_model.h"
#include "ui/main/main_window.h"
#include "ui/health/health_view.h"
#include "ui/plots/monitor_view.h"
#include "ui/preview/detection_canvas.h"
#include "ui/preview/preview_panel.h"
#include "ui/runs/run_list_model.h"
#include "ui/panels/config_panel.h"
#include "ui/panels/run_panel.h"
#include "ui/plots/metric_store.h"
#include "ui/process/run_controller.h"

using namespace studio;
using namespace studio::ui;
using studio::ui::testing::FakeTrainerProcess;
using studio::ui::testing::fakeFactory;
using studio::ui::testing::MainWindowHome;
using studio::ui::testing::startFakeRun;
using studio::ui::testing::waitForTrainer;
using studio::ui::testing::writeCheckpoint;

namespace {
template <typename T>
T* child(QWidget* w, const QString& name) {
    T* c = w->findChild<T*>(name);
    if (!c) qWarning("no child %s", qPrintable(name));
    return c;
}
}  // namespace

class TstMainWindow : public QObject {
    Q_OBJECT
    MainWindowHome m_home;

private slots:
    void initTestCase() { QVERIFY(m_home.setUp("tst_main_window")); }

    void cleanupTestCase() { m_home.tearDown(); }

    void typingUpdatesTheCalculator() {
        FakeTrainerProcess::Record rec;
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* batch = child<QSpinBox>(&w, "field_batch_size");
        auto* accum = child<QSpinBox>(&w, "field_grad_accum_steps");
        auto* gpus = child<QSpinBox>(&w, "field_num_gpus");
        auto* label = child<QLabel>(&w, "effectiveBatch");
        QVERIFY(batch && accum && gpus && label);
        accum->setValue(1);
        gpus->setValue(4);
        batch->setFocus();
        batch->selectAll();
        QTest::keyClick(batch, Qt::Key_1);
        QCOMPARE(label->text(), QString::fromUtf8("Effective batch = 1 × 1 × 4 = 4"));
        QTest::keyClick(batch, Qt::Key_6);  // every keystroke, not on focus-out
        QCOMPARE(label->text(), QString::fromUtf8("Effective batch = 16 × 1 × 4 = 64"));
        QVERIFY(batch->toolTip().contains("effective batch"));
        QVERIFY(batch->toolTip().contains("BATCH_SIZE"));
    }
    void errorsAreInlineAndBlockStart() {
        FakeTrainerProcess::Record rec;
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        w.show();
        QVERIFY(waitForTrainer(w));
        auto* start = child<QPushButton>(&w, "startButton");
        QTRY_VERIFY(start->isEnabled());
        auto* lr = child<QLineEdit>(&w, "field_lr");
        lr->setFocus();
        lr->selectAll();
        QTest::keyClicks(lr, "fast");
        auto* problem = child<QLabel>(&w, "problem_lr");
        QVERIFY(problem->isVisibleTo(&w));
        QVERIFY(problem->text().contains("not a number"));
        QVERIFY(!start->isEnabled());
        QVERIFY(start->toolTip().contains("lr"));
        lr->selectAll();
        QTest::keyClicks(lr, "2e-4");
        QVERIFY(!problem->isVisibleTo(&w));
        QVERIFY(start->isEnabled());
        QCOMPARE(w.configModel()->config().lr, 2e-4);
    }
    void presetsApplyInOneClick() {
        FakeTrainerProcess::Record rec;
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        w.show();
        auto* a100 = child<QPushButton>(&w, "preset_a100-40x4");
        QVERIFY(a100);
        QTest::mouseClick(a100, Qt::LeftButton);
        QCOMPARE(child<QLabel>(&w, "effectiveBatch")->text(), QString::fromUtf8("Effective batch = 8 × 2 × 4 = 64"));
        QCOMPARE(child<QSpinBox>(&w, "field_batch_size")->value(), 8);
    }
    void startRunsThroughTheControllerAndPlots() {
        QTemporaryDir runs;
        FakeTrainerProcess::Record rec;
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        w.show();
        QVERIFY(waitForTrainer(w));
        w.setOutputDir(runs.path() + "/run1");
        QVERIFY2(w.runPanel()->startBlockedReason().isEmpty(), qPrintable(w.runPanel()->startBlockedReason()));
        QVERIFY(w.startRun(StartMode::Fresh));
        QVERIFY(rec.live);
        QCOMPARE(rec.spec.program, m_home.trainer());
        QVERIFY(QFile::exists(runs.path() + "/run1/config.json"));
        rec.live->emitStarted();
        QCOMPARE(w.controller()->state(), RunState::Running);
        QVERIFY(!child<QPushButton>(&w, "startButton")->isEnabled());
        QVERIFY(child<QPushButton>(&w, "stopButton")->isEnabled());
        rec.live->out(R"({"v":1,"type":"step","epoch":0,"step":1,"t":1.0,"lr":1e-4,"loss":{"total":3.0,"ce":1.0}})" "\n"
                      R"({"v":1,"type":"step","epoch":0,"step":2,"t":2.0,"lr":1e-4,"loss":{"total":2.5,"ce":0.9}})" "\n");
        rec.live->err("[12:00:00] [warning] data loader is slow\n");
        QCOMPARE(w.metrics()->series("train/loss/total")->keys.size(), 2);
        bool sawWarning = false;
        for (int i = 0; i < w.logModel()->rowCount(); ++i)
            sawWarning |= w.logModel()->line(i).text.contains("data loader is slow");
        QVERIFY(sawWarning);
        // Stop button: {"cmd":"stop"} on stdin.
        QTest::mouseClick(child<QPushButton>(&w, "stopButton"), Qt::LeftButton);
        QCOMPARE(rec.written, QByteArray("{\"cmd\":\"stop\"}\n"));
        rec.live->out(R"({"v":1,"type":"done","status":"stopped","exit_code":0})" "\n");
        rec.live->exit(0);
        QCOMPARE(w.controller()->state(), RunState::Stopped);
        QVERIFY(child<QPushButton>(&w, "startButton")->isEnabled());
    }
    void firstStepEnablesTheTrainingBatchPreview() {
        QTemporaryDir runs;
        FakeTrainerProcess::Record rec;
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        QVERIFY(startFakeRun(w, rec, runs.path() + "/run1"));
        QPushButton* button = w.previewPanel()->trainBatchButton();
        QVERIFY(!button->isEnabled());
        // The trainer writes train_batch0.png, then reports its first step: no need to revisit the tab.
        QVERIFY(QImage(64, 32, QImage::Format_RGB32).save(QString::fromStdString(RunFolder{(runs.path() + "/run1").toStdString()}.trainBatchPreview())));
        rec.live->out(R"({"v":1,"type":"step","epoch":0,"step":1,"t":1.0,"lr":1e-4,"loss":{"total":3.0}})" "\n");
        QVERIFY(button->isEnabled());
        QVERIFY(w.showTab("preview"));
        button->click();
        QCOMPARE(w.previewPanel()->trainBatchCanvas()->imageSize(), QSize(64, 32));
        rec.live->out(R"({"v":1,"type":"done","status":"stopped","exit_code":0})" "\n");
        rec.live->exit(0);
    }
    void resumeFromLatestEmaInOneClick() {
        QTemporaryDir run;
        QVERIFY(writeCheckpoint(run.path(),
                                R"({"format":"rfdetr-studio-checkpoint","version":1,"epoch":11,"step":1200,"has_ema":true,)"
                                R"("complete":true,"kind":"last","time":1772359000.1,"world_size":1,"model_size":"medium",)"
                                R"("num_classes":4,"resumable":true})"));
        QFile ev(run.path() + "/events.jsonl");
        QVERIFY(ev.open(QIODevice::WriteOnly));
        ev.write(R"({"v":1,"type":"step","epoch":11,"step":1200,"t":1.0,"lr":1e-4,"loss":{"total":2.0}})" "\n");
        ev.close();
        FakeTrainerProcess::Record rec;
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        w.show();
        QVERIFY(waitForTrainer(w));
        auto* resume = child<QPushButton>(&w, "resumeButton");
        QVERIFY(!resume->isEnabled());
        w.setOutputDir(run.path());
        w.runPanel()->refreshResumePoint();
        QVERIFY2(w.runPanel()->resumePoint().has_value(), "sidecar checkpoint not found");
        QVERIFY(resume->isEnabled());
        QVERIFY2(resume->text().startsWith(QString::fromUtf8("Resume from latest EMA — epoch 12 · ")), qPrintable(resume->text()));
        QVERIFY(resume->text().endsWith(QString::fromUtf8("EMA ✓")));
        QTest::mouseClick(resume, Qt::LeftButton);
        QTRY_VERIFY(rec.live != nullptr);  // after the old events were replayed
        QVERIFY(rec.spec.arguments.contains("--resume"));
        QCOMPARE(w.metrics()->lastStep(), 1200LL);  // the old curve is there to be continued
        rec.live->emitStarted();
        rec.live->out(R"({"v":1,"type":"step","epoch":12,"step":1201,"t":2.0,"lr":1e-4,"loss":{"total":1.9}})" "\n");
        QCOMPARE(w.metrics()->series("train/loss/total")->keys, (QVector<double>{1200, 1201}));
        rec.live->exit(0);
    }
    void aMidEpochCheckpointShowsItsStepNotMinusOne() {
        // A --max-steps 7 run stopped inside its first epoch: checkpoint epoch -1 (no epoch completed), step 7.
        QTemporaryDir run;
        QVERIFY(writeCheckpoint(run.path(),
                                R"({"format":"rfdetr-studio-checkpoint","version":1,"epoch":-1,"step":7,"has_ema":true,)"
                                R"("complete":true,"kind":"last","time":1772359000.1,"world_size":1,"model_size":"small",)"
                                R"("num_classes":3,"resumable":true})"));
        QFile ev(run.path() + "/events.jsonl");
        QVERIFY(ev.open(QIODevice::WriteOnly));
        ev.write(R"({"v":1,"type":"step","epoch":0,"step":7,"t":1.0,"lr":1e-4,"loss":{"total":2.0},"steps_per_epoch":150})" "\n"
                 R"({"v":1,"type":"checkpoint","epoch":-1,"step":7,"path":"checkpoint.pth","has_ema":true})" "\n"
                 R"({"v":1,"type":"done","status":"finished","exit_code":0})" "\n");
        ev.close();
        FakeTrainerProcess::Record rec;
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        w.show();
        QVERIFY(waitForTrainer(w));
        QVERIFY(w.openRun(run.path()));
        QTRY_COMPARE(w.metrics()->lastStep(), 7LL);
        auto* resume = child<QPushButton>(&w, "resumeButton");
        QVERIFY2(resume->text().startsWith(QString::fromUtf8("Resume from latest EMA — epoch 1, step 7 (mid-epoch) · ")),
                 qPrintable(resume->text()));
        bool logged = false;
        for (int i = 0; i < w.logModel()->rowCount(); ++i) {
            const QString t = w.logModel()->line(i).text;
            QVERIFY2(!t.contains("epoch 0") && !t.contains("epoch -1"), qPrintable(t));
            logged |= t == "Checkpoint checkpoint.pth (epoch 1, step 7 (mid-epoch), with EMA)";
        }
        QVERIFY(logged);
        RunListModel runs;
        runs.setFolders({run.path()});
        runs.refreshNow();
        QTRY_COMPARE(runs.data(runs.index(0, RunListModel::EpochColumn), Qt::DisplayRole).toString(), QString("1"));
        // --tab health (screenshots of the centre tabs).
        QCOMPARE(w.tabNames(), (QStringList{"training", "gpus", "health", "preview", "compare"}));
        QVERIFY(w.showTab("Health"));
        QCOMPARE(w.monitor()->tabs()->currentWidget(), static_cast<QWidget*>(w.healthView()));
        QVERIFY(!w.showTab("nope"));
        QVERIFY(!w.showTab(""));
        QVERIFY(w.showTab("train"));
        auto* summary = w.findChild<QLabel*>("progressSummary");
        QVERIFY(summary);
        QTRY_VERIFY2(summary->text().startsWith(QString::fromUtf8("Epoch 1 · step 7")), qPrintable(summary->text()));
    }
    void closingDuringARunAsks() {
        QTemporaryDir runs;
        FakeTrainerProcess::Record rec;
        auto* w = new MainWindow(fakeFactory(&rec), m_home.trainer());
        w->show();
        QVERIFY(waitForTrainer(*w));
        w->setOutputDir(runs.path() + "/run2");
        QVERIFY2(w->runPanel()->startBlockedReason().isEmpty(), qPrintable(w->runPanel()->startBlockedReason()));
        QVERIFY(w->startRun(StartMode::Fresh));
        rec.live->emitStarted();
        bool asked = false;
        QTimer::singleShot(100, [&] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box) return;
            asked = true;
            for (QAbstractButton* b : box->buttons()) {
                if (b->text() == "Leave it running") b->click();
            }
        });
        QVERIFY(w->close());
        QVERIFY(asked);
        QVERIFY(rec.detached);  // the trainer keeps running after the Studio exits
        delete w;
    }
    void reopeningReattachesToARunStillTraining() {
        QTemporaryDir run;
        QFile ev(run.path() + "/events.jsonl");
        QVERIFY(ev.open(QIODevice::WriteOnly));
        ev.write(R"({"v":1,"type":"step","epoch":0,"step":7,"t":1.0,"lr":1e-4,"loss":{"total":2.0}})" "\n");
        ev.close();
        const std::string lockPath = RunFolder{run.path().toStdString()}.lockFile();
        const int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT, 0644);  // this test plays the trainer
        QVERIFY(fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0);
        FakeTrainerProcess::Record rec;
        AppSettings().addRecentRun(run.path());
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        QVERIFY(w.reattachRunningRun());
        QCOMPARE(w.controller()->state(), RunState::Watching);
        QTRY_COMPARE(w.metrics()->lastStep(), 7LL);
        QCOMPARE(QString::fromStdString(w.configModel()->config().outputDir), run.path());
        ::close(fd);
        QTRY_VERIFY_WITH_TIMEOUT(!isActive(w.controller()->state()), 5000);
        AppSettings().removeRecentRun(run.path());
        QVERIFY(!w.reattachRunningRun());
    }
    void settingsSurviveARestart() {
        FakeTrainerProcess::Record rec;
        QTemporaryDir dataset;
        {
            MainWindow w(fakeFactory(&rec), m_home.trainer());
            w.configModel()->setFieldText("epochs", "42");
            w.setDataset(dataset.path());
            w.configModel()->setFieldText("hf_token", "hf_do_not_store");
            w.close();
        }
        MainWindow again(fakeFactory(&rec), m_home.trainer());
        QCOMPARE(again.configModel()->config().epochs, 42);
        // The dataset picker must show the folder, not overwrite it while laying out its radio buttons.
        QCOMPARE(QString::fromStdString(again.configModel()->config().dataset), dataset.path());
        QCOMPARE(child<QLineEdit>(&again, "datasetFolder")->text(), dataset.path());
        QVERIFY(again.configModel()->config().hfToken.empty());
    }
};

QTEST_MAIN(TstMainWindow)
#include "tst_main_window.moc"
