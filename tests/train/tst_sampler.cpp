// Samplers: rank shards of one shared permutation per epoch, drop_last, padding, the tiny-dataset rule,
// determinism from (seed, epoch, rank), and the sequential sharded eval order.
#include <QtTest>

#include <algorithm>
#include <set>

#include "train/data/sampler.h"

using namespace studio::train;

namespace {
TrainSamplerOptions opts(std::size_t n, int batch, int rank, int world, std::uint64_t seed = 42) {
    TrainSamplerOptions o;
    o.datasetSize = n;
    o.batchSize = batch;
    o.rank = rank;
    o.worldSize = world;
    o.seed = seed;
    return o;
}
}  // namespace

class TstSampler : public QObject {
    Q_OBJECT

private slots:
    void shardsOfOneSharedPermutation() {
        const std::size_t n = 103;
        const int world = 4, batch = 5;
        std::vector<std::vector<std::size_t>> shards;
        for (int r = 0; r < world; ++r) {
            const TrainSampler s(opts(n, batch, r, world));
            QVERIFY(!s.withReplacement());
            QCOMPARE(s.batchesPerEpoch(), 5LL);  // ceil(103/4) = 26 per rank, 5 full batches, the rest dropped
            shards.push_back(s.epochIndices(3));
            QCOMPARE(shards.back().size(), std::size_t(25));
        }
        // Interleaving the ranks rebuilds one permutation: no index twice among the first 100 positions.
        std::set<std::size_t> seen;
        for (std::size_t pos = 0; pos < 100; ++pos) {
            const std::size_t idx = shards[pos % world][pos / world];
            QVERIFY(idx < n);
            QVERIFY2(seen.insert(idx).second, "an image appears on two ranks");
        }
    }

    void deterministicPerSeedAndEpoch() {
        const TrainSampler a(opts(500, 8, 1, 2, 7)), b(opts(500, 8, 1, 2, 7)), c(opts(500, 8, 1, 2, 8));
        QCOMPARE(a.epochIndices(0), b.epochIndices(0));
        QVERIFY(a.epochIndices(0) != a.epochIndices(1));
        QVERIFY(a.epochIndices(0) != c.epochIndices(0));
        // One process: every image once per epoch (500 = 62 x 8 + 4: four dropped).
        const TrainSampler single(opts(500, 8, 0, 1));
        auto idx = single.epochIndices(2);
        QCOMPARE(idx.size(), std::size_t(496));
        std::sort(idx.begin(), idx.end());
        QVERIFY(std::adjacent_find(idx.begin(), idx.end()) == idx.end());
    }

    void tinyDatasetsSampleWithReplacement() {
        const TrainSampler s(opts(30, 8, 0, 1));  // 30 < 5 x 8: rfdetr's rule
        QVERIFY(s.withReplacement());
        QCOMPARE(s.batchesPerEpoch(), 5LL);
        const auto idx = s.epochIndices(0);
        QCOMPARE(idx.size(), std::size_t(40));
        QVERIFY(std::all_of(idx.begin(), idx.end(), [](std::size_t i) { return i < 30; }));
        QVERIFY(std::set<std::size_t>(idx.begin(), idx.end()).size() < 30 + 1);
        QVERIFY(idx != s.epochIndices(1));
        // Several ranks: each draws its own five batches.
        const TrainSampler r0(opts(50, 8, 0, 2)), r1(opts(50, 8, 1, 2));
        QVERIFY(r0.withReplacement());
        QVERIFY(r0.epochIndices(0) != r1.epochIndices(0));
        QVERIFY(!TrainSampler(opts(40, 8, 0, 1)).withReplacement());  // exactly 5 batches: normal
    }

    void badInputIsRefused() {
        QVERIFY_EXCEPTION_THROWN(TrainSampler(opts(0, 4, 0, 1)), std::invalid_argument);
        QVERIFY_EXCEPTION_THROWN(TrainSampler(opts(10, 0, 0, 1)), std::invalid_argument);
        QVERIFY_EXCEPTION_THROWN(TrainSampler(opts(10, 2, 2, 2)), std::invalid_argument);
        try {
            TrainSampler(opts(0, 4, 0, 1));
        } catch (const std::invalid_argument& e) {
            QVERIFY(std::string(e.what()).find("no images") != std::string::npos);
        }
    }

    void evalIsSequentialShardedAndComplete() {
        const EvalSampler one(10, 3);
        QCOMPARE(one.indices(), (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
        QCOMPARE(one.batchesPerEpoch(), 4LL);  // the last batch holds one image
        QCOMPARE(one.uniqueCount(), std::size_t(10));
        const EvalSampler r0(10, 2, 0, 3), r1(10, 2, 1, 3), r2(10, 2, 2, 3);
        QCOMPARE(r0.indices(), (std::vector<std::size_t>{0, 3, 6, 9}));
        QCOMPARE(r1.indices(), (std::vector<std::size_t>{1, 4, 7, 0}));  // padded like DistributedSampler
        QCOMPARE(r2.indices(), (std::vector<std::size_t>{2, 5, 8, 1}));
        QCOMPARE(r0.uniqueCount() + r1.uniqueCount() + r2.uniqueCount(), std::size_t(10));
        QCOMPARE(r0.batchesPerEpoch(), r2.batchesPerEpoch());  // equal on every rank
        QCOMPARE(EvalSampler(0, 4).batchesPerEpoch(), 0LL);
    }
};

QTEST_GUILESS_MAIN(TstSampler)
#include "tst_sampler.moc"
