// "Random seed (each rank adds its rank)" (--seed, issue 7): buildRun seeds Torch's generators with
// seed + rank before it builds the model, as rfdetr's main() does, so a run's initial weights follow --seed
// (and rank r starts from what rank 0 would with seed + r; the initial broadcast then gives every rank rank
// 0's). Augmentation and sampling take the rank in their own keys (data_loader.cpp, sampler.cpp), not
// Torch's generators.
// Torch before Qt: Qt's `slots` macro breaks Torch's headers.
#include <ATen/ATen.h>

#include <memory>

#include "base/config/run_config.h"
#include "train/dist/dist_context.h"
#include "train/engine/run_setup.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace studio;
using namespace studio::train;

namespace {

/// Claims a rank in a world without talking to anybody (buildRun only asks who it is).
class RankOnly final : public SingleProcessDist {
public:
    RankOnly(int rank, int world) : m_rank(rank), m_world(world) {}
    int rank() const override { return m_rank; }
    int worldSize() const override { return m_world; }

private:
    int m_rank, m_world;
};

}  // namespace

class TstRankSeeds : public QObject {
    Q_OBJECT
    QTemporaryDir m_cache;
    std::string m_demo;

    RunConfig config(std::uint64_t seed) const {
        RunConfig cfg = defaultRunConfig(ModelSize::Small);
        cfg.dataset = "demo";
        cfg.cacheDir = m_cache.path().toStdString();
        cfg.device = DeviceKind::Cpu;
        cfg.resolution = 96;
        cfg.numQueries = 30;
        cfg.multiScale = false;
        cfg.useEma = false;
        cfg.numWorkers = 0;
        cfg.seed = seed;
        return cfg;
    }

    /// The initial weights buildRun gives rank `rank` of 2 (before any broadcast), flattened.
    at::Tensor initialWeights(std::uint64_t seed, int rank) {
        const RunConfig cfg = config(seed);
        TrainerParts parts;
        parts.cfg = cfg;
        parts.dist = std::make_shared<RankOnly>(rank, 2);
        at::manual_seed(12345);  // whatever ran before must not matter
        buildRun(cfg, m_demo, parts);
        std::vector<at::Tensor> flat;
        for (const auto& p : parts.model->parameters()) flat.push_back(p.detach().reshape({-1}));
        return at::cat(flat);
    }

private slots:
    void initTestCase() {
        at::set_num_threads(1);
        QVERIFY(m_cache.isValid());
        m_demo = resolveDatasetFolder(config(42));
    }

    void modelInitFollowsTheSeedPlusTheRank() {
        const at::Tensor rank0 = initialWeights(42, 0);
        QVERIFY(at::equal(rank0, initialWeights(42, 0)));     // reproducible
        const at::Tensor rank1 = initialWeights(42, 1);
        QVERIFY(!at::equal(rank0, rank1));                    // each rank draws its own (then broadcast)
        QVERIFY(at::equal(rank1, initialWeights(43, 0)));     // seed + rank
    }
};

QTEST_GUILESS_MAIN(TstRankSeeds)
#include "tst_rank_seeds.moc"
