// End to end as the engine uses it: the demo dataset (small spec) -> RunConfig-driven train and eval loaders
// -> per-step multi-scale resize. Shapes, value ranges, classes and the step batch size follow rfdetr.
// ATen before Qt: Qt's `slots` macro breaks ATen headers.
#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>

#include "base/demo/demo_dataset.h"
#include "train/data/loader_factory.h"
#include "train/data/multi_scale.h"
#include "train/data/normalize.h"

using namespace studio;
using namespace studio::train;

class TstDemoPipeline : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    std::string m_dir;

private slots:
    void initTestCase() {
        DemoDatasetSpec spec;
        spec.trainImages = 12;
        spec.validImages = 3;
        spec.testImages = 1;
        m_dir = ensureDemoDataset(m_tmp.path().toStdString(), [](const ProgressEvent&) {}, spec);
    }

    void trainLoaderFollowsTheConfig() {
        RunConfig cfg = defaultRunConfig(ModelSize::Small);
        cfg.resolution = 128;  // scales 64..288 (step 32): squares of 288
        cfg.batchSize = 2;
        cfg.gradAccumSteps = 2;
        cfg.numWorkers = 2;
        auto index = std::make_shared<CocoIndex>(CocoIndex::load(m_dir + "/train/_annotations.coco.json"));
        auto loader = makeTrainLoader(index, cfg);
        QCOMPARE(trainAugment(cfg).squareSize, 288);
        QCOMPARE(loader->batchesPerEpoch(), 5LL);  // 12 images < 5 x 4: rfdetr's tiny-dataset rule
        loader->startEpoch(0);
        long long it = 0;
        std::set<std::int64_t> labels;
        while (auto b = loader->next()) {
            QCOMPARE(b->images.sizes().vec(), (std::vector<std::int64_t>{4, 3, 288, 288}));  // one optimiser step
            QVERIFY(b->images.min().item<float>() >= normalizedValue(0, 0) - 1e-4f);
            QVERIFY(b->images.max().item<float>() <= normalizedValue(2, 255) + 1e-4f);
            for (std::size_t k = 0; k < 4; ++k) {
                const auto& t = b->targets[k];
                QCOMPARE(t.boxes.size(0), t.labels.size(0));
                if (t.boxes.numel()) {
                    QVERIFY(t.boxes.min().item<float>() >= 0.f);
                    QVERIFY(t.boxes.max().item<float>() <= 1.f);
                }
                for (std::int64_t i = 0; i < t.labels.size(0); ++i) labels.insert(t.labels[i].item<std::int64_t>());
                QCOMPARE(b->origSizes[k].second, DemoDatasetSpec{}.width);
            }
            const int scale = stepScale(it++, 128, true);
            resizeBatch(*b, scale);
            QCOMPARE(b->images.size(2), std::int64_t(scale));
        }
        QCOMPARE(it, 5LL);
        QVERIFY(labels.count(1) && labels.count(2));  // text fields and checkboxes on every page
        for (std::int64_t l : labels) QVERIFY(l >= 1 && l <= 3);
    }

    void evalLoaderCoversTheSplit() {
        RunConfig cfg = defaultRunConfig(ModelSize::Small);
        cfg.resolution = 96;
        cfg.batchSize = 2;
        cfg.numWorkers = 1;
        auto index = std::make_shared<CocoIndex>(CocoIndex::load(m_dir + "/valid/_annotations.coco.json"));
        auto loader = makeEvalLoader(index, cfg);
        loader->startEpoch(0);
        std::vector<std::int64_t> ids;
        while (auto b = loader->next()) {
            QCOMPARE(b->images.size(3), std::int64_t(96));
            ids.insert(ids.end(), b->imageIds.begin(), b->imageIds.end());
        }
        QCOMPARE(ids, (std::vector<std::int64_t>{0, 1, 2}));
    }
};

QTEST_GUILESS_MAIN(TstDemoPipeline)
#include "tst_demo_pipeline.moc"
