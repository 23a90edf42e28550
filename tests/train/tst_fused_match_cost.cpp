// The fused CPU cost kernel: its exp / log1p approximations against libm, and whole cost blocks
// against the ATen reference cost (matchCostMatrix), including degenerate boxes and extreme logits.
// ATen before Qt: Qt's `slots` macro breaks ATen's ivalue headers.
#include <ATen/ATen.h>

#include <QtTest>

#include <cmath>
#include <cstring>
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
        std::vector<float> block(static_cast<std::size_t>(n) * stride);
        FusedScratch scratch;
        fusedCostBlock(logits.data_ptr<float>(), boxes.data_ptr<float>(), rows, classes, targets,
                       {}, block.data(), stride, scratch);
        const auto ref = matchCostMatrix(logits, boxes, labels, tboxes, {});  // [rows, n]
        const auto wide = at::from_blob(block.data(), {n, stride}, at::kFloat);
        const auto got = wide.narrow(1, 0, rows).t();
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

    // Every kernel this CPU can run (AVX-512 16 lanes, AVX2 and baseline 8) writes the same bits
    // (padding too) and the same row minima, and a row minimum is the row's unique smallest entry
    // (column -1 on a tie or a non-finite entry). Row counts around the vector widths.
    void kernelsAgreeBitForBitWithTheirRowMinima() {
        at::manual_seed(11);
        int checked = 0, unique = 0;
        for (const int rows : {1, 7, 8, 9, 16, 17, 23, 300}) {
            const int classes = 3, n = 6;
            auto logits = at::randn({rows, classes}) * 3;
            auto boxes = at::rand({rows, 4}) * 0.6 + 0.1;
            auto tboxes = at::rand({n, 4}) * 0.5 + 0.2;
            const auto labels = at::randint(0, classes, {n}, at::kLong);
            if (rows > 8) {  // target 1's best predictions are 2 and 5, equal: a tied minimum
                logits[2][labels[1].item<std::int64_t>()] = 15;
                boxes[5] = boxes[2];
                logits[5] = logits[2];
                tboxes[1] = boxes[2];
            }
            if (rows == 17)  // a NaN prediction: no row minimum anywhere
                boxes[rows - 1] = at::tensor({0.5f, 0.5f, std::nanf(""), 0.2f});
            const FusedTargets targets(tboxes.data_ptr<float>(), labels.data_ptr<std::int64_t>(), n);
            const int stride = fusedRowStride(rows);
            std::vector<float> base;
            std::vector<LsapRowMin> baseMins;
            const std::size_t size = static_cast<std::size_t>(n) * stride;
            for (const char* isa : {"baseline", "avx2", "avx512"}) {
                // 16 guard entries past the block: the last vector of the last row must not
                // write there (rows are padded to 8 floats, an AVX-512 vector holds 16).
                std::vector<float> block(size + 16, -7.0f);
                std::vector<LsapRowMin> mins(n);
                FusedScratch scratch;
                if (!fusedCostBlockOn(isa, logits.data_ptr<float>(), boxes.data_ptr<float>(), rows,
                                      classes, targets, {}, block.data(), stride, scratch,
                                      mins.data()))
                    continue;
                ++checked;
                for (std::size_t i = size; i < block.size(); ++i)
                    QCOMPARE(block[i], -7.0f);
                if (base.empty()) {
                    base = block;
                    baseMins = mins;
                    for (int t = 0; t < n; ++t) {
                        const float* row = block.data() + static_cast<std::size_t>(t) * stride;
                        int at = 0, ties = 0;
                        bool finite = true;
                        for (int j = 0; j < rows; ++j) {
                            finite = finite && std::isfinite(row[j]);
                            if (row[j] < row[at])
                                at = j, ties = 1;
                            else if (row[j] == row[at])
                                ++ties;
                        }
                        const int want = finite && ties == 1 ? at : -1;
                        QCOMPARE(mins[t].column, want);
                        QCOMPARE(mins[t].finite, finite);
                        if (rows > 8 && t == 1)
                            QCOMPARE(want, -1);  // the tie, or the NaN row
                        unique += want >= 0;
                        if (want >= 0)
                            QCOMPARE(mins[t].value, row[at]);
                    }
                    continue;
                }
                QVERIFY2(std::memcmp(block.data(), base.data(), block.size() * sizeof(float)) == 0,
                         (std::string(isa) + " rows " + std::to_string(rows)).c_str());
                for (int t = 0; t < n; ++t) {
                    QCOMPARE(mins[t].column, baseMins[t].column);
                    QCOMPARE(mins[t].finite, baseMins[t].finite);
                    if (mins[t].column >= 0)
                        QCOMPARE(mins[t].value, baseMins[t].value);
                }
            }
        }
        QVERIFY(checked >= 8);  // the baseline kernel at least, for every row count
        QVERIFY(unique > 20);
        qInfo("fused kernel used here: %s", fusedKernelIsa());
    }
};

QTEST_GUILESS_MAIN(TstFusedMatchCost)
#include "tst_fused_match_cost.moc"
