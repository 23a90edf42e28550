// HungarianMatcher: exact parity with the reference's matches in tiny_io.pth (final, aux0, aux1,
// enc), the fast paths (fused CPU kernel, batched tensor computation) against the sequential
// reference path, the index layout, non-finite costs and input validation. ATen before Qt: Qt's
// `slots` macro breaks ATen's ivalue headers.
#include "tiny_io_fixture.h"

#include <QtTest>

#include <random>

#include "train/loss/hungarian_matcher.h"
#include "train/loss/match_cost.h"

using namespace studio::train;
using studio::test::TinyIo;

namespace {

std::string describe(const MatchIndices& m) {
    std::string s;
    for (std::int64_t i = 0; i < m.queryIdx.size(0); ++i)
        s += "(" + std::to_string(m.imageIdx[i].item<std::int64_t>()) + "," +
             std::to_string(m.queryIdx[i].item<std::int64_t>()) + "->" +
             std::to_string(m.targetIdx[i].item<std::int64_t>()) + ")";
    return s;
}

bool sameMatches(const MatchIndices& a, const MatchIndices& b) {
    return a.perImage == b.perImage && at::equal(a.imageIdx, b.imageIdx) &&
           at::equal(a.queryIdx, b.queryIdx) && at::equal(a.targetIdx, b.targetIdx);
}

// Random predictions, some of them near targets so that queries compete for the same target.
struct RandomCase {
    std::vector<DetectionOutput> outputs;
    std::vector<ImageTargets> targets;
    int groups = 1;
};

RandomCase randomCase(std::uint64_t seed, int batch, int groups, int perGroup, int classes,
                      const std::vector<int>& counts, int numOutputs,
                      at::ScalarType type = at::kFloat) {
    at::manual_seed(seed);
    RandomCase c;
    c.groups = groups;
    for (int b = 0; b < batch; ++b) {
        const int n = counts[b % counts.size()];
        auto boxes = at::rand({n, 4}) * 0.5 + 0.2;
        c.targets.push_back({boxes, at::randint(0, classes, {n}, at::kLong)});
    }
    const int nq = groups * perGroup;
    for (int o = 0; o < numOutputs; ++o) {
        auto logits = at::randn({batch, nq, classes}) * 2;
        auto boxes = at::rand({batch, nq, 4}) * 0.6 + 0.1;
        for (int b = 0; b < batch; ++b) {
            const auto n = c.targets[b].boxes.size(0);
            if (n == 0)
                continue;
            for (int qi = 0; qi < nq; qi += 3)  // every third query: a jittered copy of some target
                boxes[b][qi] = c.targets[b].boxes[qi % n] + at::randn({4}) * 0.01;
        }
        c.outputs.push_back({logits.to(type), boxes.to(type)});
    }
    return c;
}

std::vector<const DetectionOutput*> pointers(const std::vector<DetectionOutput>& outs) {
    std::vector<const DetectionOutput*> p;
    for (const auto& o : outs)
        p.push_back(&o);
    return p;
}

}  // namespace

class TstHungarianMatcher : public QObject {
    Q_OBJECT
    TinyIo m_io;

  private slots:
    void tinyFixtureParity_data() {
        QTest::addColumn<int>("path");
        QTest::newRow("auto (fused)") << static_cast<int>(MatchCostPath::Auto);
        QTest::newRow("tensor") << static_cast<int>(MatchCostPath::Tensor);
        QTest::newRow("fused") << static_cast<int>(MatchCostPath::Fused);
        QTest::newRow("reference (benchmark baseline)") << static_cast<int>(MatchCostPath::Reference);
    }
    void tinyFixtureParity() {
        QFETCH(int, path);
        MatcherOptions options;
        options.costPath = static_cast<MatchCostPath>(path);
        options.threads = 2;
        HungarianMatcher matcher(options);
        const ModelOutput out = m_io.trainOutput();
        QCOMPARE(out.groups, 3);
        const auto targets = m_io.targets();
        const auto matches = matcher.match(out, targets);
        QCOMPARE(static_cast<int>(matches.size()), 4);
        const char* names[] = {"final", "aux0", "aux1", "enc"};
        const std::vector<const DetectionOutput*> sets = {&out.final, &out.aux[0], &out.aux[1],
                                                          &*out.enc};
        for (int i = 0; i < 4; ++i) {
            const std::string key = std::string("matcher/") + names[i] + "/";
            const auto wantQ = m_io.tensor(key + "query_idx"),
                       wantT = m_io.tensor(key + "target_idx");
            const auto wantCounts = m_io.tensor(key + "counts");
            const MatchIndices& m = matches[i];
            QVERIFY2(at::equal(m.queryIdx, wantQ),
                     (std::string(names[i]) + " " + describe(m)).c_str());
            QVERIFY2(at::equal(m.targetIdx, wantT), names[i]);
            QCOMPARE(m.perImage, (std::vector<std::int64_t>{wantCounts[0].item<std::int64_t>(),
                                                            wantCounts[1].item<std::int64_t>()}));
            QCOMPARE(m.perImage, (std::vector<std::int64_t>{12, 18}));
            QVERIFY(at::equal(m.imageIdx,
                              at::cat({at::zeros({12}, at::kLong), at::ones({18}, at::kLong)})));
            // The per-image tuple view the reference returns.
            const auto [q1, t1] = m.image(1);
            QVERIFY(at::equal(q1, wantQ.narrow(0, 12, 18)));
            QVERIFY(at::equal(t1, wantT.narrow(0, 12, 18)));
            // The sequential reference path agrees too.
            QVERIFY(sameMatches(HungarianMatcher::matchReference(*sets[i], targets, 3), m));
        }
    }

    void layoutIsImageThenGroupThenQuery() {
        const auto c = randomCase(11, 3, 4, 25, 5, {3, 7, 1}, 1);
        HungarianMatcher matcher;
        const auto m = matcher.match(pointers(c.outputs), c.targets, c.groups)[0];
        QCOMPARE(m.perImage, (std::vector<std::int64_t>{12, 28, 4}));
        std::int64_t at = 0;
        for (int b = 0; b < 3; ++b) {
            const std::int64_t n = c.targets[b].boxes.size(0);
            for (int g = 0; g < 4; ++g) {
                std::vector<char> seen(n, 0);
                for (std::int64_t i = 0; i < n; ++i, ++at) {
                    QCOMPARE(m.imageIdx[at].item<std::int64_t>(), std::int64_t{b});
                    const auto qi = m.queryIdx[at].item<std::int64_t>();
                    QVERIFY(qi >= g * 25 && qi < (g + 1) * 25);  // offset by g * Q
                    if (i > 0)
                        QVERIFY(qi > m.queryIdx[at - 1].item<std::int64_t>());
                    const auto ti = m.targetIdx[at].item<std::int64_t>();
                    QVERIFY(ti >= 0 && ti < n && !seen[ti]);  // every target once per group
                    seen[ti] = 1;
                }
            }
        }
        QCOMPARE(at, m.queryIdx.size(0));
    }

    void fastPathsEqualReference_data() {
        QTest::addColumn<int>("seed");
        QTest::addColumn<int>("groups");
        QTest::addColumn<int>("perGroup");
        QTest::addColumn<int>("classes");
        QTest::addColumn<QString>("counts");
        QTest::newRow("medium-like") << 1 << 13 << 30 << 4 << "20,5,0,12";
        QTest::newRow("many classes") << 2 << 3 << 40 << 91 << "6,9";
        QTest::newRow("more targets than queries") << 3 << 2 << 6 << 4 << "9,6,3,0";
        QTest::newRow("single group") << 4 << 1 << 50 << 2 << "1,17";
        QTest::newRow("no targets") << 5 << 3 << 10 << 4 << "0,0";
    }
    void fastPathsEqualReference() {
        QFETCH(int, seed);
        QFETCH(int, groups);
        QFETCH(int, perGroup);
        QFETCH(int, classes);
        QFETCH(QString, counts);
        std::vector<int> n;
        for (const auto& part : counts.split(','))
            n.push_back(part.toInt());
        const auto c =
            randomCase(seed, static_cast<int>(n.size()), groups, perGroup, classes, n, 3);
        std::vector<MatchIndices> ref;
        for (const auto& o : c.outputs)
            ref.push_back(HungarianMatcher::matchReference(o, c.targets, groups));
        for (auto path : {MatchCostPath::Fused, MatchCostPath::Tensor}) {
            MatcherOptions options;
            options.costPath = path;
            HungarianMatcher matcher(options);
            const auto got = matcher.match(pointers(c.outputs), c.targets, groups);
            QCOMPARE(got.size(), ref.size());
            for (std::size_t i = 0; i < got.size(); ++i)
                QVERIFY2(sameMatches(got[i], ref[i]),
                         (describe(got[i]) + "\nvs\n" + describe(ref[i])).c_str());
        }
    }

    void doublePrecisionOutputsUseTheTensorPath() {
        const auto c = randomCase(6, 2, 3, 20, 4, {5, 8}, 2, at::kDouble);
        HungarianMatcher matcher;  // Auto: float64 is not the fused kernel's input
        const auto got = matcher.match(pointers(c.outputs), c.targets, 3);
        for (std::size_t i = 0; i < got.size(); ++i)
            QVERIFY(
                sameMatches(got[i], HungarianMatcher::matchReference(c.outputs[i], c.targets, 3)));
    }

    void batchedCostEqualsReferenceCost() {
        const auto c = randomCase(7, 2, 2, 15, 6, {4, 7}, 2);
        std::vector<at::Tensor> logits, boxes;
        for (const auto& o : c.outputs) {
            logits.push_back(o.logits);
            boxes.push_back(o.boxes);
        }
        auto padLabels = at::zeros({2, 7}, at::kLong);
        auto padBoxes = at::full({2, 7, 4}, 0.3);
        for (int b = 0; b < 2; ++b) {
            const auto n = c.targets[b].boxes.size(0);
            padLabels[b].narrow(0, 0, n).copy_(c.targets[b].labels);
            padBoxes[b].narrow(0, 0, n).copy_(c.targets[b].boxes);
        }
        const auto batched =
            batchedMatchCost(at::stack(logits), at::stack(boxes), padLabels, padBoxes, {});
        QCOMPARE(batched.sizes().vec(), (std::vector<std::int64_t>{2, 2, 30, 7}));
        for (int o = 0; o < 2; ++o)
            for (int b = 0; b < 2; ++b) {
                const auto n = c.targets[b].boxes.size(0);
                const auto ref = matchCostMatrix(c.outputs[o].logits[b], c.outputs[o].boxes[b],
                                                 c.targets[b].labels, c.targets[b].boxes, {});
                QVERIFY(at::allclose(batched[o][b].narrow(1, 0, n), ref, 0, 1e-6));
            }
    }

    void minusInfinityCostsGetTheReferenceReplacement() {
        // A +inf logit makes the class cost -inf; the reference replaces it by 2 * max(C) (finite
        // here), so that query becomes the most expensive one instead of the cheapest.
        auto c = randomCase(8, 2, 2, 12, 3, {3, 4}, 1);
        auto logits = c.outputs[0].logits.clone();
        logits[0][2].fill_(std::numeric_limits<float>::infinity());
        c.outputs[0].logits = logits;
        HungarianMatcher matcher;
        const auto m = matcher.match(pointers(c.outputs), c.targets, 2)[0];
        QVERIFY(sameMatches(m, HungarianMatcher::matchReference(c.outputs[0], c.targets, 2)));
        const auto [queries, targets] = m.image(0);
        QVERIFY(!(queries == 2).any().item<bool>());
    }

    void nanCostsRaiseAMatchingError() {
        auto c = randomCase(9, 2, 2, 12, 3, {3, 4}, 2);
        auto boxes = c.outputs[1].boxes.clone();
        boxes[1][5][0] = std::nanf("");
        c.outputs[1].boxes = boxes;
        for (auto path : {MatchCostPath::Fused, MatchCostPath::Tensor, MatchCostPath::Reference}) {
            MatcherOptions options;
            options.costPath = path;
            HungarianMatcher matcher(options);
            bool threw = false;
            try {
                matcher.match(pointers(c.outputs), c.targets, 2);
            } catch (const MatchingError& e) {
                const std::string what = e.what();
                threw = what.find("non-finite") != std::string::npos &&
                        what.find("output 1") != std::string::npos;
            }
            QVERIFY(threw);
            // The matcher stays usable.
            const auto ok = randomCase(10, 2, 2, 12, 3, {3, 4}, 1);
            QCOMPARE(matcher.match(pointers(ok.outputs), ok.targets, 2)[0].queryIdx.size(0),
                     std::int64_t{14});
        }
    }

    void badInputsAreNamed() {
        const auto c = randomCase(12, 2, 2, 10, 3, {2, 3}, 1);
        HungarianMatcher matcher;
        auto expectInvalid = [&](auto&& call, const std::string& needle) {
            try {
                call();
            } catch (const std::invalid_argument& e) {
                return std::string(e.what()).find(needle) != std::string::npos;
            }
            return false;
        };
        auto targets = c.targets;
        targets[1].labels = at::tensor({0, 3, 1}, at::kLong);  // 3 logits: ids 0..2
        QVERIFY(expectInvalid([&] { matcher.match(pointers(c.outputs), targets, 2); },
                              "label 3 of box 1"));
        QVERIFY(expectInvalid([&] { matcher.match(pointers(c.outputs), targets, 2); }, "image 1"));
        QVERIFY(
            expectInvalid([&] { matcher.match(pointers(c.outputs), c.targets, 3); }, "multiple"));
        auto oneImage = c.targets;
        oneImage.pop_back();
        QVERIFY(expectInvalid([&] { matcher.match(pointers(c.outputs), oneImage, 2); }, "batch 2"));
        auto badBoxes = c.targets;
        badBoxes[0].boxes = at::zeros({2, 5});
        QVERIFY(expectInvalid([&] { matcher.match(pointers(c.outputs), badBoxes, 2); },
                              "boxes [n, 4]"));
    }
};

QTEST_GUILESS_MAIN(TstHungarianMatcher)
#include "tst_hungarian_matcher.moc"
