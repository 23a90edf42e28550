// The training loop on a tiny RF-DETR with synthetic data (CPU, 64 px, a few steps each): exact resume
// after an epoch and mid-epoch, stop and checkpoint requests, non-finite losses, best checkpoints and
// early stopping across a resume, checkpoint contents, refused resumes and a full disk.
#include <ATen/ATen.h>

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "base/events/event_writer.h"
#include "base/run/run_folder.h"
#include "base/util/atomic_file.h"
#include "engine_run_helpers.h"
#include "train/dist/dist_context.h"
#include "train/engine/run_control.h"
#include "train/cli/image_file.h"
#include "train/engine/trainer.h"
#include "train/io/pth_file.h"

#include <QTemporaryDir>
#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio;
using namespace studio::train;
using namespace studio::train::testing;
namespace fs = std::filesystem;


class TstEngineTrainer : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string dir(const char* name) { return m_dir.filePath(name).toStdString(); }

    std::map<long long, nlohmann::json> m_reference;

    /// The uninterrupted run: 12 images / 4 per step = 3 steps per epoch, 2 epochs.
    const std::map<long long, nlohmann::json>& referenceLosses() {
        if (!m_reference.empty()) return m_reference;
        Run whole = makeRun(tinyConfig(), dir("whole"));
        const TrainOutcome a = whole.trainer->run();
        if (a.status != TrainStatus::Finished || a.globalStep != 6) qFatal("reference run did not finish");
        m_reference = stepLosses(dir("whole"));
        // The first batch, as the model saw it: 4 images of kRes px in a 2 x 2 grid with 4 px gaps.
        const RgbImage preview = decodeImageFile(RunFolder{dir("whole")}.trainBatchPreview());
        if (preview.width != 2 * kRes + 4 || preview.height != 2 * kRes + 4) qFatal("train_batch0.png: wrong size");
        if (m_reference.size() != 6) qFatal("reference run: expected 6 step events");
        return m_reference;
    }

private slots:
    void initTestCase() { std::signal(SIGXFSZ, SIG_IGN); }

    void resumeAfterAnEpochIsExact() {
        const RunConfig cfg = tinyConfig();
        const auto reference = referenceLosses();

        RunConfig first = cfg;
        first.maxSteps = 3;  // ends exactly after epoch 0
        Run part = makeRun(first, dir("split"));
        QCOMPARE(part.trainer->run().globalStep, std::int64_t(3));
        QVERIFY(part.trainer->state().epochComplete);
        const std::string preview = RunFolder{dir("split")}.trainBatchPreview();
        fs::remove(preview);
        Run rest = makeRun(cfg, dir("split"), readCheckpointFile(RunFolder{dir("split")}.checkpoint()));
        QCOMPARE(rest.trainer->state().resumeEpoch(), 1);
        QCOMPARE(rest.trainer->run().globalStep, std::int64_t(6));
        QVERIFY(!fs::exists(preview));  // only the run's first step draws its batch
        const auto resumed = stepLosses(dir("split"));
        QCOMPARE(resumed.size(), std::size_t(6));
        for (const auto& [step, loss] : reference) {
            QVERIFY2(resumed.at(step) == loss, (std::to_string(step) + ": " + resumed.at(step).dump() + " vs " +
                                                loss.dump()).c_str());
        }
        // Identical weights at the end, bit for bit.
        const auto wa = readCheckpointFile(RunFolder{dir("whole")}.checkpoint());
        const auto wb = readCheckpointFile(RunFolder{dir("split")}.checkpoint());
        for (std::size_t i = 0; i < wa.model.size(); ++i) QVERIFY(at::equal(wa.model[i].second, wb.model[i].second));
        QVERIFY(at::equal(wa.ema->back().second, wb.ema->back().second));
        QCOMPARE(wb.state->emaUpdates, wa.state->emaUpdates);  // the EMA counter survived the resume
        // log.txt has one line per epoch even across the resume.
        std::ifstream log(RunFolder{dir("split")}.logTxt());
        std::string line;
        int lines = 0;
        while (std::getline(log, line)) ++lines;
        QCOMPARE(lines, 2);
    }

    void stopMidEpochAndResumeIsExact() {
        const RunConfig cfg = tinyConfig();
        const auto reference = referenceLosses();
        TrainOutcome o;
        {
            RunControl control(false, -1);
            Run r = makeRun(cfg, dir("stopped"), {}, &control);
            control.requestCheckpoint();  // honoured after the first step
            // A stop requested while step 4 runs (mid-epoch 1) is honoured once that step is done.
            r.source->onStep([&control](long long n) {
                if (n == 4) control.requestStop();
            });
            o = r.trainer->run();
        }
        QCOMPARE(o.status, TrainStatus::Stopped);
        QCOMPARE(o.exitCode, 0);
        QCOMPARE(o.globalStep, std::int64_t(4));
        const auto ckpts = readEvents(dir("stopped"), "checkpoint");
        QVERIFY(ckpts.size() >= 3);  // requested (step 1), end of epoch 0 (+ periodic, bests), stop
        QCOMPARE(ckpts.front()["step"].get<int>(), 1);
        QCOMPARE(ckpts.back()["step"].get<int>(), 4);
        const LoadedCheckpoint c = readCheckpointFile(RunFolder{dir("stopped")}.checkpoint());
        QVERIFY(c.state && !c.state->epochComplete);
        QCOMPARE(c.state->globalStep, std::int64_t(4));
        QCOMPARE(c.state->stepInEpoch, std::int64_t(1));
        QCOMPARE(*c.epoch, std::int64_t(0));  // rfdetr's view: epoch 0 completed
        Run rest = makeRun(cfg, dir("stopped"), c);
        QCOMPARE(rest.trainer->run().status, TrainStatus::Finished);
        const auto resumed = stepLosses(dir("stopped"));
        QCOMPARE(resumed.size(), reference.size());
        for (const auto& [step, loss] : reference) QVERIFY2(resumed.at(step) == loss, std::to_string(step).c_str());
    }
};

QTEST_GUILESS_MAIN(TstEngineTrainer)
#include "tst_engine_trainer.moc"
