// "Effective batch = B x A x N" (issue 7, rfdetr-spec.md §9): on the tiny RF-DETR with the real criterion
// and AdamW, one optimiser step of
//   (a) 1 rank  x batch 2b,
//   (b) 2 Gloo ranks (threads) x batch b, each on its half of the same images,
//   (c) 1 rank  x grad_accum_steps 2 x batch b,
// leaves the same parameters (within float tolerance). Every image holds the same number of boxes, so the
// per-micro-batch normalisation of (c) equals the global one of (a) and (b).
// Torch (through the model) before Qt: Qt's `slots` macro breaks Torch's headers.
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "dist_test_support.h"
#include "train/dist/overlapped_grad_sync.h"
#include "train/engine/rank_step.h"

#include <QtTest>

using namespace studio;
using namespace studio::train;
using namespace studio::train::testing;

namespace {

constexpr int kRes = 96;
constexpr int kImages = 4;  // 2b with b = 2

Batch makeBatch() {
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(1234);
    Batch b;
    b.images = at::randn({kImages, 3, kRes, kRes}, g) * 0.3;
    for (int i = 0; i < kImages; ++i) {
        ImageTargets t;
        at::Tensor boxes = at::rand({2, 4}, g) * 0.3 + 0.2;  // cx, cy, w, h in (0.2, 0.5)
        t.boxes = boxes;
        t.labels = at::tensor(std::vector<int64_t>{1 + i % 3, 1 + (i + 1) % 3}, at::kLong);
        b.targets.push_back(t);
        b.imageIds.push_back(i);
        b.origSizes.emplace_back(kRes, kRes);
    }
    return b;
}

/// A fresh tiny model from `seed` (built on the main thread: the global generator is not per thread).
RFDetr tinyModel(int seed) {
    at::manual_seed(seed);
    ModelConfig mc = ModelConfig::tinyFixture();
    mc.numClassLogits = 4;
    return RFDetr(mc);
}

/// One optimiser step of `model` (after taking rank 0's weights) on `batch` with micro-batch `micro`;
/// returns the parameters afterwards, flattened; `packed` (when given) receives the step's raw loss terms.
at::Tensor stepOnce(DistContext& dist, RFDetr model, const Batch& batch, int micro, at::Tensor* packed = nullptr,
                    LossLayout* layoutOut = nullptr, bool overlap = true, GradSyncStats* syncStats = nullptr) {
    RankStepOptions options;
    options.lr = 1e-3;
    options.microBatch = micro;
    options.overlap = overlap;
    RankStep step(dist, *model, options);
    LossLayout layout;
    const StepResult r = step.step(batch, layout);
    if (!r.finite) throw std::runtime_error("the step was not finite");
    if (packed) *packed = r.packed.clone();
    if (auto* sync = step.overlappedSync(); sync && syncStats) *syncStats = sync->stats();
    if (layoutOut) *layoutOut = layout;
    std::vector<at::Tensor> flat;
    for (const auto& p : step.params()) flat.push_back(p.detach().reshape({-1}).clone());
    return at::cat(flat);
}

double maxDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

class TstDistEquivalence : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { at::set_num_threads(1); }

    void twoRanksEqualOneRankWithTheDoubleBatchAndAccumulation() {
        const Batch batch = makeBatch();
        SingleProcessDist single;
        const at::Tensor before = [&] {
            RFDetr m = tinyModel(0);
            std::vector<at::Tensor> flat;
            for (auto& p : m->parameters())
                if (p.requires_grad()) flat.push_back(p.detach().reshape({-1}).clone());
            return at::cat(flat);
        }();
        const at::Tensor oneRank = stepOnce(single, tinyModel(0), batch, kImages);          // (a) 1 x 2b
        const at::Tensor accumulated = stepOnce(single, tinyModel(0), batch, kImages / 2);  // (c) 1 x A=2 x b
        std::vector<at::Tensor> ranks(2), synchronous(2);
        std::vector<GradSyncStats> stats(2);
        // Rank 1 starts from other weights: the initial broadcast must replace them by rank 0's.
        std::vector<RFDetr> models{tinyModel(0), tinyModel(99)}, again{tinyModel(0), tinyModel(99)};
        ProcessGroupOptions small;
        small.bucketBytes = 16 << 10;  // several buckets, most of them started inside backward
        const auto errors = runRanks(2, [&](int r, ProcessGroupDist& d) {
            const Batch half = sliceBatch(batch, r * kImages / 2, kImages / 2);
            ranks[r] = stepOnce(d, models[r], half, kImages / 2, nullptr, nullptr, true, &stats[r]);  // (b), overlapped
            synchronous[r] = stepOnce(d, again[r], half, kImages / 2, nullptr, nullptr, false);  // after backward
        }, small);
        QCOMPARE(errors[0], std::string());
        QCOMPARE(errors[1], std::string());
        QVERIFY(at::equal(ranks[0], synchronous[0]));  // overlapping changes no bit
        for (const auto& s : stats) {  // the overlap happened: buckets started while backward still ran
            QCOMPARE(s.syncs, 1LL);
            QVERIFY2(s.bucketsEarly >= 1 && s.bucketsEarly <= s.bucketsTotal,
                     (std::to_string(s.bucketsEarly) + " of " + std::to_string(s.bucketsTotal)).c_str());
        }

        // The step moved the weights by about lr (AdamW's first step), far above the tolerance.
        const double moved = maxDiff(oneRank, before);
        QVERIFY2(moved > 5e-4, std::to_string(moved).c_str());
        QCOMPARE(maxDiff(ranks[0], ranks[1]), 0.0);  // the ranks stay identical
        const double dist = maxDiff(ranks[0], oneRank);
        const double accum = maxDiff(accumulated, oneRank);
        qInfo("max |param diff| after one step: 2 ranks vs 1 rank %.3g, A=2 vs 1 rank %.3g (step size %.3g)", dist,
              accum, moved);
        QVERIFY2(dist < 2e-5, std::to_string(dist).c_str());
        QVERIFY2(accum < 2e-5, std::to_string(accum).c_str());
    }

    void reportedLossesAreTheMeanOverRanks() {
        // Each rank trains on other images, so its own loss terms differ; the logged window and epoch means
        // (LossMeter with the process group, as the trainer reports them) are the mean of both ranks'.
        const Batch batch = makeBatch();
        std::vector<at::Tensor> packed(2);
        std::vector<std::vector<double>> window(2), epoch(2), later(2);
        LossLayout layout;
        std::vector<RFDetr> models{tinyModel(0), tinyModel(0)};
        const auto errors = runRanks(2, [&](int r, ProcessGroupDist& d) {
            stepOnce(d, models[r], sliceBatch(batch, r * kImages / 2, kImages / 2), kImages / 2, &packed[r],
                     r == 0 ? &layout : nullptr);
            LossMeter meter;
            meter.add(packed[r]);
            meter.add(packed[r] * 3.0);  // a second step: the window mean is 2 x this step's terms
            window[r] = meter.takeWindowMean(d);
            epoch[r] = meter.epochMean(d);
            later[r] = meter.takeWindowMean(d);  // empty window: no collective on any rank
        });
        QCOMPARE(errors[0], std::string());
        QCOMPARE(errors[1], std::string());
        const std::vector<double> a = toHostVector(packed[0]), b = toHostVector(packed[1]);
        QCOMPARE(window[0].size(), layout.names.size());
        QVERIFY(std::find(layout.names.begin(), layout.names.end(), "class_error") != layout.names.end());
        double spread = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            spread = std::max(spread, std::abs(a[i] - b[i]));
            const double expected = (2 * a[i] + 2 * b[i]) / 2;  // mean over steps, then over ranks
            QVERIFY2(std::abs(window[0][i] - expected) <= 1e-6 * std::max(1.0, std::abs(expected)),
                     (layout.names[i] + ": " + std::to_string(window[0][i]) + " vs " + std::to_string(expected)).c_str());
            QCOMPARE(window[1][i], window[0][i]);
            QCOMPARE(epoch[0][i], window[0][i]);
            QCOMPARE(epoch[1][i], window[0][i]);
        }
        QVERIFY2(spread > 1e-3, "the ranks' losses should differ (else the test cannot fail)");
        QVERIFY(later[0].empty() && later[1].empty());
    }

    void halfTheImagesOnOneRankIsNotTheSame() {
        // The comparison can fail: a single rank on half the images lands elsewhere.
        const Batch batch = makeBatch();
        SingleProcessDist single;
        const at::Tensor full = stepOnce(single, tinyModel(0), batch, kImages);
        const at::Tensor half = stepOnce(single, tinyModel(0), sliceBatch(batch, 0, kImages / 2), kImages / 2);
        QVERIFY(maxDiff(full, half) > 1e-4);
    }
};

QTEST_GUILESS_MAIN(TstDistEquivalence)
#include "tst_dist_equivalence.moc"
