// The fused CPU cost kernel: its exp / log1p approximations against libm, and whole cost blocks
// against the ATen reference cost (matchCostMatrix), including degenerate boxes and extreme logits.
// ATen before Qt: Qt's `slots` macro breaks ATen's ivalue headers.
#include <ATen/ATen.h>

#include <QtTest>

#include <cmath>
#include <limits>

#include "train/loss/fused_match_cost.h"
#include "train/loss/match_cost.h"

using namespace studio::train;

namespace {
float ulpDistance(float a, float b) {
    if (a == b)
        return 0;
    return std::abs(a - b) /
           std::abs(std::nextafter(b, std::numeric_limits<float>::infinity()) - b);
}
}  // namespace

class TstFusedMatchCost : public QObject {
    Q_OBJECT
  private slots:
    void expIsWithinTwoUlp() {
        std::vector<float> x;
        for (float v = 0; v >= -87.0f; v -= 0.0137f)
            x.push_back(v);
        x.push_back(-1e-8f);
        std::vector<float> y(x.size());
        fusedExpNonPositive(x.data(), static_cast<int>(x.size()), y.data());
        float worst = 0;
        for (std::size_t i = 0; i < x.size(); ++i)
            worst = std::max(worst, ulpDistance(y[i], std::exp(x[i])));
        QVERIFY2(worst <= 2, std::to_string(worst).c_str());
        // Far below the float range it returns FLT_MIN rather than a denormal or zero (harmless for
        // costs).
        float tiny = -200, out = 0;
        fusedExpNonPositive(&tiny, 1, &out);
        QVERIFY(out > 0 && out <= 1.2e-38f);
    }

    void log1pIsWithinTwoUlp() {
        std::vector<float> x;
        for (float v = 0; v <= 1.0f; v += 0.00071f)
            x.push_back(v);
        for (float v = 1e-12f; v < 1e-3f; v *= 3.1f)
            x.push_back(v);
        x.push_back(1.0f);
        std::vector<float> y(x.size());
        fusedLog1pUnit(x.data(), static_cast<int>(x.size()), y.data());
        float worst = 0;
        for (std::size_t i = 0; i < x.size(); ++i)
            worst = std::max(worst, ulpDistance(y[i], std::log1p(x[i])));
        QVERIFY2(worst <= 2, std::to_string(worst).c_str());
    }

    void classCostMatchesAten() {
        auto logits = at::linspace(-30, 30, 4001);
        std::vector<float> out(logits.numel());
        for (float gamma : {2.0f, 1.5f}) {
            MatchCostWeights w;
            w.focalGamma = gamma;
            fusedClassCost(logits.data_ptr<float>(), static_cast<int>(out.size()), 0.25f, gamma,
                           out.data());
            const auto ref = focalClassCost(logits, w);
            const auto got =
                at::from_blob(out.data(), {static_cast<std::int64_t>(out.size())}, at::kFloat);
            QVERIFY(at::allclose(got, ref, 1e-5, 1e-6));
        }
    }

    void blocksMatchReferenceCost() {
        at::manual_seed(3);
        const int rows = 37, classes = 5, n = 9;
        auto logits = at::randn({rows, classes}) * 4;
        auto boxes = at::rand({rows, 4}) * 0.6 + 0.1;
        boxes[3][2] = -0.2;                             // negative width: clamped to a line
        boxes[4] = at::tensor({0.5f, 0.5f, 0.f, 0.f});  // a point
        logits[5][1] = 80;                              // saturated sigmoid
        logits[6][1] = -80;
        auto tboxes = at::rand({n, 4}) * 0.5 + 0.2;
        tboxes[0] = boxes[7];  // a perfect prediction: GIoU 1, L1 0
        const auto labels = at::tensor({1, 1, 4, 0, 2, 1, 3, 4, 0}, at::kLong);
        const FusedTargets targets(tboxes.data_ptr<float>(), labels.data_ptr<std::int64_t>(), n);
        QCOMPARE(targets.classes.size(), std::size_t{5});
        const int stride = fusedRowStride(rows);
        QVERIFY(stride >= rows);
        std::vector<double> block(static_cast<std::size_t>(n) * stride);
        FusedScratch scratch;
        fusedCostBlock(logits.data_ptr<float>(), boxes.data_ptr<float>(), rows, classes, targets,
                       {}, block.data(), stride, scratch);
        const auto ref = matchCostMatrix(logits, boxes, labels, tboxes, {});  // [rows, n]
        const auto wide = at::from_blob(block.data(), {n, stride}, at::kDouble);
        // Stored as double, but every value is a float32 result.
        QVERIFY(at::equal(wide, wide.to(at::kFloat).to(at::kDouble)));
        const auto got = wide.narrow(1, 0, rows).t().to(at::kFloat);
        QVERIFY2(at::allclose(got, ref, 1e-5, 1e-5),
                 std::to_string((got - ref).abs().max().item<float>()).c_str());
        // The exact case: class cost aside, a perfect box costs 5*0 + 2*(-1).
        QVERIFY(std::abs(got[7][0].item<float>() - ref[7][0].item<float>()) < 1e-6);
        // A row stride below fusedRowStride is refused.
        QVERIFY_EXCEPTION_THROWN(
            fusedCostBlock(logits.data_ptr<float>(), boxes.data_ptr<float>(), rows, classes,
                           targets, {}, block.data(), rows, scratch),
            std::invalid_argument);
    }
};

QTEST_GUILESS_MAIN(TstFusedMatchCost)
#include "tst_fused_match_cost.moc"
