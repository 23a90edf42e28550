// Out-of-memory recovery in the Studio: the "oom" error event's details become a sentence with the
// suggested split (same effective batch), the banner shows it with "Apply and resume", and applying sets
// batch/accumulation in the form and resumes the failed run's folder with --resume auto.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include "base/run/oom_advice.h"
#include "fake_trainer_process.h"
#include "main_window_fixture.h"
#include "ui/config/run_config_model.h"
#include "ui/main/main_window.h"
#include "ui/panels/oom_banner.h"
#include "ui/panels/run_panel.h"
#include "ui/process/oom_suggestion.h"
#include "ui/process/run_controller.h"

using namespace studio;
using namespace studio::ui;
using studio::ui::testing::FakeTrainerProcess;
using studio::ui::testing::fakeFactory;
using studio::ui::testing::MainWindowHome;
using studio::ui::testing::waitForTrainer;
using studio::ui::testing::writeCheckpoint;

namespace {
const char* kOomLine =
    R"({"v":1,"type":"error","rank":2,"code":"oom","message":"CUDA out of memory","hint":"reduce the batch",)"
    R"("details":{"batch_size":16,"grad_accum_steps":1,"num_gpus":4,"effective_batch":64,)"
    R"("suggested":{"batch_size":8,"grad_accum_steps":2},"device":"cuda:2","used_bytes":84933263360,)"
    R"("total_bytes":85899345920,"command":"rfdetr-train --config c.json --resume auto --batch-size 8 --grad-accum-steps 2",)"
    R"("env":"BATCH_SIZE=8 GRAD_ACCUM_STEPS=2 RESUME_CHECKPOINT=auto"}})";

Event parse(const char* line) {
    auto p = parseEventLine(line);
    Q_ASSERT(p.event);
    return *p.event;
}
}  // namespace

class TstOomSuggestion : public QObject {
    Q_OBJECT
    MainWindowHome m_home;

private slots:
    void initTestCase() { QVERIFY(m_home.setUp("tst_oom_suggestion")); }
    void cleanupTestCase() { m_home.tearDown(); }

    void readsTheAgreedDetails() {
        const auto a = oomSuggestionFrom(parse(kOomLine));
        QVERIFY(a);
        QCOMPARE(a->batchSize, 16);
        QCOMPARE(a->gradAccumSteps, 1);
        QCOMPARE(a->numGpus, 4);
        QCOMPARE(a->effectiveBatch, 64LL);
        QCOMPARE(a->suggestedBatch, 8);
        QCOMPARE(a->suggestedAccum, 2);
        QCOMPARE(a->device, QString("cuda:2"));
        QVERIFY(a->command.contains("--batch-size 8"));
        QCOMPARE(oomSuggestionText(*a), QString::fromUtf8("Batch 16 × 1 × 4 = 64 ran out of memory on GPU 2: 79.1 of 80.0 GiB in use; "
                                                      "try 8 × 2 × 4 = 64 (same effective batch)."));
    }

    void bannerAndRunLogSayWhereInOneWording() {
        // The trainer's message (run log) and the banner built from the event's details say the same.
        OomFacts f;
        f.batchSize = 4;
        f.gradAccumSteps = 1;
        f.device = "cpu";
        f.usedBytes = static_cast<std::uint64_t>(5.3 * (1ull << 30));
        f.totalBytes = static_cast<std::uint64_t>(23.5 * (1ull << 30));
        const OomAdvice advice = makeOomAdvice(f);
        ErrorEvent e;
        e.code = "oom";
        e.message = advice.message;
        e.details = advice.details;
        const auto a = oomSuggestionFrom(Event{e});
        QVERIFY(a);
        const QString where = QStringLiteral(" on the host (CPU memory): 5.3 of 23.5 GiB in use;");
        QVERIFY2(QString::fromStdString(advice.message).contains(where), advice.message.c_str());
        QVERIFY2(oomSuggestionText(*a).contains(where), qPrintable(oomSuggestionText(*a)));
    }

    void otherErrorsAndMissingFieldsAreHandled() {
        QVERIFY(!oomSuggestionFrom(parse(R"({"v":1,"type":"error","code":"nonfinite","message":"NaN loss"})")));
        QVERIFY(!oomSuggestionFrom(parse(R"({"v":1,"type":"step","step":1,"loss":{"total":1}})")));
        const auto bare = oomSuggestionFrom(parse(R"({"v":1,"type":"error","code":"oom","message":"out of host memory"})"));
        QVERIFY(bare);
        QVERIFY(!bare->hasSuggestion());
        QCOMPARE(oomSuggestionText(*bare), QString("out of host memory"));
        const auto one = oomSuggestionFrom(parse(R"({"v":1,"type":"error","code":"oom","message":"m","details":{"batch_size":1,"grad_accum_steps":4}})"));
        QVERIFY(one && !one->hasSuggestion());
        QVERIFY2(oomSuggestionText(*one).contains("smaller model size"), qPrintable(oomSuggestionText(*one)));
    }

    void bannerAppliesOnlyAfterTheRunEnded() {
        OomBanner banner;
        QVERIFY(!banner.isVisibleTo(nullptr) || banner.isHidden());
        banner.showAdvice(oomSuggestionFrom(parse(kOomLine)));
        QVERIFY(!banner.isHidden());
        auto* apply = banner.findChild<QPushButton*>("oomApply");
        QVERIFY(apply);
        banner.setRunActive(true);
        QVERIFY(!apply->isEnabled());
        banner.setRunActive(false);
        QVERIFY(apply->isEnabled());
        QSignalSpy spy(&banner, &OomBanner::applyRequested);
        apply->click();
        QCOMPARE(spy.size(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), 8);
        QCOMPARE(spy.at(0).at(1).toInt(), 2);
        banner.showAdvice(std::nullopt);
        QVERIFY(banner.isHidden());
    }

    void applyAndResumeRestartsTheRunWithTheSuggestion() {
        QTemporaryDir runs;
        FakeTrainerProcess::Record rec;
        MainWindow w(fakeFactory(&rec), m_home.trainer());
        w.show();
        QVERIFY(waitForTrainer(w));
        const QString run = runs.path() + "/run1";
        w.setOutputDir(run);
        w.configModel()->setFieldText("batch_size", "16");
        w.configModel()->setFieldText("grad_accum_steps", "1");
        QVERIFY(w.startRun(StartMode::Fresh));
        rec.live->emitStarted();
        QVERIFY(w.oomBanner()->isHidden());
        rec.live->out(QByteArray(kOomLine) + "\n");
        QVERIFY(!w.oomBanner()->isHidden());
        QVERIFY2(w.oomBanner()->text().contains("try 8 × 2"), qPrintable(w.oomBanner()->text()));
        auto* apply = w.oomBanner()->findChild<QPushButton*>("oomApply");
        QVERIFY(!apply->isEnabled());  // the run is still writing its checkpoint
        // The run died before any checkpoint: nothing to resume, Apply says why.
        {
            QTemporaryDir other;
            FakeTrainerProcess::Record rec2;
            MainWindow w2(fakeFactory(&rec2), m_home.trainer());
            QVERIFY(waitForTrainer(w2));
            w2.setOutputDir(other.path() + "/run2");
            QVERIFY(w2.startRun(StartMode::Fresh));
            rec2.live->emitStarted();
            rec2.live->out(QByteArray(kOomLine) + "\n");
            rec2.live->exit(1);
            auto* apply2 = w2.oomBanner()->findChild<QPushButton*>("oomApply");
            QVERIFY(!apply2->isEnabled());
            QVERIFY2(apply2->toolTip().startsWith("Cannot resume"), qPrintable(apply2->toolTip()));
        }
        // The trainer checkpointed the last good state and exits.
        QVERIFY(writeCheckpoint(run,
                                R"({"format":"rfdetr-studio-checkpoint","version":1,"epoch":0,"step":5,"has_ema":true,)"
                                R"("complete":true,"kind":"last","time":1772359000.1,"world_size":1,"model_size":"medium",)"
                                R"("num_classes":4,"resumable":true})"));
        rec.live->out(R"({"v":1,"type":"done","status":"failed","exit_code":1})" "\n");
        rec.live->exit(1);
        QVERIFY(!isActive(w.controller()->state()));
        QTRY_VERIFY(apply->isEnabled());
        w.configModel()->setFieldText("output_dir", runs.path() + "/elsewhere");  // the user wandered off
        apply->click();
        QTRY_VERIFY(rec.live != nullptr && rec.running);
        QVERIFY(rec.spec.arguments.contains("--resume"));
        QCOMPARE(w.controller()->runDir(), QDir(run).absolutePath());
        QCOMPARE(w.configModel()->config().batchSize, 8);
        QCOMPARE(w.configModel()->config().gradAccumSteps, 2);
        QFile cfg(run + "/config.json");
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        const QJsonObject j = QJsonDocument::fromJson(cfg.readAll()).object();
        QCOMPARE(j.value("batch_size").toInt(), 8);
        QCOMPARE(j.value("grad_accum_steps").toInt(), 2);
        QVERIFY(w.oomBanner()->isHidden());  // a new run view began
        rec.live->exit(0);
    }
};

QTEST_MAIN(TstOomSuggestion)
#include "tst_oom_suggestion.moc"
