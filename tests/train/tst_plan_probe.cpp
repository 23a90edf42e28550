// The plan probe on CPU (issue 11): the counting CPU allocator (installs, counts, restores), and the
// prediction from micro-batches 1 and 2 against the measured peak of real training at the target batch, on
// the tiny fixture model at 96 px: the probe's own steps at batch 6 and a whole Trainer run at batch 6
// (checkpoints and validation included). Prints both numbers.
#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>

#include <csignal>
#include <cstdio>

#include "base/run/plan_estimate.h"
#include "engine_run_helpers.h"
#include "train/plan/counting_allocator.h"
#include "train/plan/plan_probe.h"

#include <QTemporaryDir>
#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio;
using namespace studio::train;
using namespace studio::train::testing;

namespace {

constexpr int kTarget = 6;
// The prediction must land within 5% of the measured peak (the probe's own steps at the target batch; a
// whole run adds the data source, checkpoint serialisation and validation on top, allowed 10%).
constexpr double kToleranceSteps = 0.05;
constexpr double kToleranceRun = 0.10;

ProbeSpec tinySpec(std::vector<int> batches) {
    ProbeSpec s;
    s.model = ModelConfig::tinyFixture();
    s.model.numClassLogits = 4;
    s.resolution = kRes;
    s.batches = std::move(batches);
    s.warmupSteps = 1;
    s.timedSteps = 1;
    s.boxesPerImage = 3;
    return s;
}

double relativeError(double predicted, double measured) { return std::abs(predicted - measured) / measured; }

}  // namespace

class TstPlanProbe : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void initTestCase() { std::signal(SIGXFSZ, SIG_IGN); }

    void countingAllocatorCountsAndRestores() {
        c10::Allocator* before = c10::GetCPUAllocator();
        at::Tensor outlives;
        {
            CpuAllocationCounter counter;
            QVERIFY(counter.installed());
            QVERIFY(c10::GetCPUAllocator() != before);
            QVERIFY_EXCEPTION_THROWN(CpuAllocationCounter(), std::logic_error);
            const std::int64_t base = counter.currentBytes();
            {
                at::Tensor a = at::empty({1 << 18}, at::kFloat);  // 1 MiB
                QCOMPARE(counter.currentBytes() - base, std::int64_t(1) << 20);
                at::Tensor b = at::empty({1 << 17}, at::kFloat);
                QCOMPARE(counter.peakBytes() - base, std::int64_t(3) << 19);
            }
            QCOMPARE(counter.currentBytes(), base);
            QCOMPARE(counter.peakBytes() - base, std::int64_t(3) << 19);
            counter.resetPeak();
            QCOMPARE(counter.peakBytes(), base);
            void* raw = c10::GetCPUAllocator()->raw_allocate(4096);  // the raw interface works too
            QCOMPARE(counter.currentBytes() - base, std::int64_t(4096));
            c10::GetCPUAllocator()->raw_deallocate(raw);
            QCOMPARE(counter.currentBytes(), base);
            outlives = at::ones({1000});
        }
        QCOMPARE(c10::GetCPUAllocator(), before);
        QCOMPARE(outlives.sum().item<float>(), 1000.0f);
        outlives.reset();  // freed after the counter: no crash, no effect on the next counter
        CpuAllocationCounter next;
        QCOMPARE(next.currentBytes(), std::int64_t(0));
    }

    void predictionMatchesTheMeasuredPeak() {
        const ProbeResult probe = runProbe(tinySpec({1, 2}));
        QCOMPARE(probe.points.size(), std::size_t(2));
        QVERIFY(probe.points[1].peakBytes > probe.points[0].peakBytes);  // activations grow with the batch
        QVERIFY(probe.points[0].stepSeconds > 0);
        const PlanEstimate est = estimatePlan(probe, kTarget, 1, 1, 0, 0.9);

        const ProbeResult actual = runProbe(tinySpec({kTarget}));
        const double measuredSteps = static_cast<double>(actual.points.at(0).peakBytes);

        // A whole training run at the target batch, counted the same way.
        std::int64_t runPeak = 0;
        {
            CpuAllocationCounter counter;
            RunConfig cfg = tinyConfig();
            cfg.batchSize = kTarget;
            cfg.gradAccumSteps = 1;
            cfg.epochs = 1;
            Run r = makeRun(cfg, m_dir.filePath("run").toStdString());
            QCOMPARE(r.trainer->run().status, TrainStatus::Finished);
            runPeak = counter.peakBytes();
        }
        const double errSteps = relativeError(static_cast<double>(est.peakBytes), measuredSteps);
        const double errRun = relativeError(static_cast<double>(est.peakBytes), static_cast<double>(runPeak));
        std::printf("plan probe (tiny model, %d px, CPU): measured batch 1 %.2f MiB, batch 2 %.2f MiB -> predicted "
                    "batch %d %.2f MiB; measured training steps %.2f MiB (error %.1f%%, tolerance %.0f%%); whole "
                    "run %.2f MiB (error %.1f%%, tolerance %.0f%%)\n",
                    kRes, probe.points[0].peakBytes / 1048576.0, probe.points[1].peakBytes / 1048576.0, kTarget,
                    est.peakBytes / 1048576.0, measuredSteps / 1048576.0, 100 * errSteps, 100 * kToleranceSteps,
                    runPeak / 1048576.0, 100 * errRun, 100 * kToleranceRun);
        QVERIFY2(errSteps <= kToleranceSteps, "prediction vs the training steps at the target batch");
        QVERIFY2(errRun <= kToleranceRun, "prediction vs a whole run at the target batch");
        QVERIFY(est.imagesPerSecondPerDevice > 0);
    }

    void probeSpecFollowsTheRun() {
        RunConfig cfg = defaultRunConfig(ModelSize::Small);
        cfg.multiScale = true;
        cfg.numQueries = 100;
        cfg.groupDetr = 5;
        cfg.useEma = false;
        const ProbeSpec s = probeSpecFor(cfg, c10::Device(c10::kCPU));
        QVERIFY(s.resolution > resolvedResolution(cfg));  // the largest multi-scale size
        QCOMPARE(s.model.numQueries, 100);
        QCOMPARE(s.model.groupDetr, 5);
        QVERIFY(!s.useEma);
        QVERIFY(!s.autocast);
        cfg.multiScale = false;
        QCOMPARE(probeSpecFor(cfg, c10::Device(c10::kCPU)).resolution, resolvedResolution(cfg));
        QVERIFY(deviceName(c10::Device(c10::kCPU)).rfind("cpu: ", 0) == 0);
        QVERIFY(deviceMemoryBytes(c10::Device(c10::kCPU)) > 0);
    }
};

QTEST_GUILESS_MAIN(TstPlanProbe)
#include "tst_plan_probe.moc"
