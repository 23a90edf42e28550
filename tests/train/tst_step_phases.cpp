// trainStep's phase observer (what bench_step times) and StepParts (the step built outside the Trainer):
// the phases arrive in order, once per micro-batch where they repeat, a skipped step reports no optimiser
// or EMA work, and observing a step does not change it.
#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "engine_test_support.h"
#include "train/engine/loss_log.h"
#include "train/engine/step_parts.h"

#include <QtTest/QtTest>  // after Torch: Qt's `slots` macro breaks its headers

using namespace studio;
using namespace studio::train;

namespace {

constexpr int kRes = 96;

class Recorder final : public StepPhaseObserver {
public:
    void phaseEnded(StepPhase phase) override { phases.push_back(phase); }
    std::vector<StepPhase> phases;
};

RunConfig tinyRunConfig(int batchSize) {
    RunConfig cfg = defaultRunConfig(ModelSize::Small);
    cfg.batchSize = batchSize;
    cfg.gradAccumSteps = 1;
    cfg.lr = 1e-3;
    cfg.lrEncoder = 1e-3;
    return cfg;
}

ModelConfig tinyModel() {
    ModelConfig mc = ModelConfig::tinyFixture();
    mc.numClassLogits = 4;
    return mc;
}

Batch makeBatch(int images) {
    testing::SyntheticTrainSource source(images, images, kRes, 4);
    source.seek(0, 0);
    return *source.next();
}

CriterionOptions oneThread() {
    CriterionOptions co;
    co.matcher.threads = 1;
    return co;
}

}  // namespace

class TstStepPhases : public QObject {
    Q_OBJECT

private slots:
    void phasesArriveInOrderPerMicroBatch() {
        StepParts parts(tinyModel(), tinyRunConfig(/*micro-batch*/ 2), at::kCPU);
        SetCriterion criterion(oneThread());
        StepContext ctx = parts.context(criterion, at::kCPU, /*autocast=*/true);
        QVERIFY(!ctx.autocast);  // never on the CPU
        QCOMPARE(ctx.microBatch, 2);
        QCOMPARE(ctx.clipMaxNorm, 0.1);
        QVERIFY(ctx.ema != nullptr);
        Recorder recorder;
        ctx.phases = &recorder;
        LossLayout layout;
        const StepResult r = trainStep(ctx, makeBatch(4), 1.0, layout);  // two micro-batches
        QVERIFY(r.finite);
        QCOMPARE(r.microBatches, 2);
        using P = StepPhase;
        const std::vector<P> want{P::Data,     P::Forward,   P::Criterion, P::Backward, P::Forward,
                                  P::Criterion, P::Backward, P::Gradients, P::Optimizer, P::Ema,
                                  P::Optimizer};
        QCOMPARE(recorder.phases, want);
        QCOMPARE(parts.ema->updates(), std::int64_t{2});
    }

    void skippedStepHasNoOptimizerOrEmaWork() {
        StepParts parts(tinyModel(), tinyRunConfig(2), at::kCPU);
        SetCriterion criterion(oneThread());
        StepContext ctx = parts.context(criterion, at::kCPU, false);
        Recorder recorder;
        ctx.phases = &recorder;
        Batch batch = makeBatch(2);
        batch.images.fill_(std::nan(""));
        LossLayout layout;
        const StepResult r = trainStep(ctx, batch, 1.0, layout);
        QVERIFY(!r.finite);
        QVERIFY(!recorder.phases.empty());
        QCOMPARE(recorder.phases.front(), StepPhase::Data);
        QCOMPARE(recorder.phases.back(), StepPhase::Optimizer);  // zeroing the gradients only
        QCOMPARE(std::count(recorder.phases.begin(), recorder.phases.end(), StepPhase::Ema), 0L);
        QCOMPARE(std::count(recorder.phases.begin(), recorder.phases.end(), StepPhase::Optimizer), 1L);
        QCOMPARE(parts.ema->updates(), std::int64_t{1});
    }

    void observingDoesNotChangeTheStep() {
        const Batch batch = makeBatch(2);
        std::vector<std::vector<double>> losses;
        std::vector<at::Tensor> weights;
        for (bool observe : {false, true}) {
            StepParts parts(tinyModel(), tinyRunConfig(2), at::kCPU, /*seed=*/3);
            SetCriterion criterion(oneThread());
            StepContext ctx = parts.context(criterion, at::kCPU, false);
            Recorder recorder;
            if (observe) ctx.phases = &recorder;
            LossLayout layout;
            for (int i = 0; i < 2; ++i) {
                const StepResult r = trainStep(ctx, batch, 1.0, layout);
                QVERIFY(r.finite);
                losses.push_back(toHostVector(r.packed));
            }
            weights.push_back(parts.params.front().detach().clone());
            QCOMPARE(recorder.phases.size(), observe ? std::size_t{16} : std::size_t{0});
        }
        QCOMPARE(losses[0], losses[2]);
        QCOMPARE(losses[1], losses[3]);
        QVERIFY(losses[0] != losses[1]);  // the weights moved between the steps
        QVERIFY(at::equal(weights[0], weights[1]));
    }

    void stepPartsFollowTheConfig() {
        RunConfig cfg = tinyRunConfig(3);
        cfg.useEma = false;
        cfg.clipMaxNorm = 0.5;
        StepParts parts(tinyModel(), cfg, at::kCPU);
        QVERIFY(parts.ema == nullptr);
        QVERIFY(parts.model->is_training());
        QVERIFY(!parts.emaModel->is_training());
        std::size_t trainable = 0;
        for (const auto& p : parts.model->parameters()) trainable += p.requires_grad() ? 1 : 0;
        QCOMPARE(parts.params.size(), trainable);
        SetCriterion criterion(oneThread());
        const StepContext ctx = parts.context(criterion, at::kCPU, false);
        QVERIFY(ctx.ema == nullptr);
        QCOMPARE(ctx.microBatch, 3);
        QCOMPARE(ctx.clipMaxNorm, 0.5);
        QCOMPARE(ctx.phases, static_cast<StepPhaseObserver*>(nullptr));
        QCOMPARE(QString(nameOf(StepPhase::Criterion)), QString("criterion"));
    }
};

QTEST_GUILESS_MAIN(TstStepPhases)
#include "tst_step_phases.moc"
