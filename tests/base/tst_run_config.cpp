// RunConfig defaults, batch arithmetic and the model-size table.
#include <QtTest>

#include "base/config/model_sizes.h"
#include "base/config/run_config.h"

using namespace studio;

class TstRunConfig : public QObject {
    Q_OBJECT
private slots:
    void defaultsFollowRfdetrTrainConfig() {
        const RunConfig c = defaultRunConfig();
        QCOMPARE(c.modelSize, ModelSize::Medium);
        QCOMPARE(c.batchSize, 4);
        QCOMPARE(c.gradAccumSteps, 4);
        QCOMPARE(c.epochs, 100);
        QCOMPARE(c.lr, 1e-4);
        QCOMPARE(c.lrEncoder, 1.5e-4);
        QCOMPARE(c.lrVitLayerDecay, 0.8);
        QCOMPARE(c.lrComponentDecay, 0.7);
        QCOMPARE(c.weightDecay, 1e-4);
        QCOMPARE(c.clipMaxNorm, 0.1);
        QCOMPARE(c.emaDecay, 0.993);
        QCOMPARE(c.emaTau, 100.0);
        QCOMPARE(c.checkpointInterval, 10);
        QCOMPARE(c.earlyStoppingPatience, 10);
        QCOMPARE(c.earlyStoppingMinDelta, 0.001);
        QCOMPARE(c.numWorkers, 2);
        QCOMPARE(c.dataset, std::string("demo"));
    }
    void resolutionFollowsModelSize() {
        RunConfig c = defaultRunConfig(ModelSize::Small);
        QCOMPARE(resolvedResolution(c), 512);
        c.modelSize = ModelSize::Large;
        QCOMPARE(resolvedResolution(c), 704);
        c.resolution = 320;
        QCOMPARE(resolvedResolution(c), 320);
    }
    void effectiveBatchIsTheProduct() {
        QCOMPARE(effectiveBatchSize(16, 1, 4), 64LL);
        QCOMPARE(effectiveBatchSize(8, 2, 4), 64LL);
        RunConfig c = defaultRunConfig();
        c.batchSize = 12;
        c.gradAccumSteps = 3;
        c.numGpus = 2;
        QCOMPARE(effectiveBatchSize(c), 72LL);
        QCOMPARE(effectiveBatchSize(c, 2), 144LL);  // two nodes
        c.nprocPerNode = 3;                         // CPU ranks override the GPU count
        QCOMPARE(effectiveBatchSize(c), 108LL);
        QCOMPARE(QString::fromStdString(effectiveBatchFormula(16, 1, 4)), QString::fromUtf8("16 × 1 × 4 = 64"));
    }
    void stepsPerEpochRoundsUp() {
        QCOMPARE(stepsPerEpoch(435698, 64), 6808LL);
        QCOMPARE(stepsPerEpoch(320, 64), 5LL);
        QCOMPARE(stepsPerEpoch(321, 64), 6LL);
        // Tiny datasets (fewer than 5 effective batches): the sampler draws 5 batches with replacement, and
        // the schedule counts those (rfdetr's own formula would say 1 and 2).
        QCOMPARE(stepsPerEpoch(64, 64), 5LL);
        QCOMPARE(stepsPerEpoch(65, 64), 5LL);
        QCOMPARE(stepsPerEpoch(4, 4), 5LL);
        QCOMPARE(stepsPerEpoch(0, 64), 0LL);
        QCOMPARE(stepsPerEpoch(10, 0), 0LL);
    }
    void modelSizeTable() {
        QCOMPARE(modelSizeSpec(ModelSize::Small).decoderLayers, 3);
        QCOMPARE(modelSizeSpec(ModelSize::Medium).decoderLayers, 4);
        QCOMPARE(modelSizeSpec(ModelSize::Large).positionalEncodingSize, 44);
        QCOMPARE(parseModelSize("Medium").value(), ModelSize::Medium);
        QVERIFY(!parseModelSize("huge"));
        // Parameter counts of state_dict_shapes.json (fixture README).
        QCOMPARE(trainableParameters(ModelSize::Small, 91), 32111170LL);
        QCOMPARE(trainableParameters(ModelSize::Small, 4), 31798144LL);
        QCOMPARE(trainableParameters(ModelSize::Medium, 4), 33374432LL);
        QCOMPARE(trainableParameters(ModelSize::Large, 4), 33620192LL);
    }
    void multiScaleListsMatchTheReference() {
        const std::vector<int> small = {352, 384, 416, 448, 480, 512, 544, 576, 608, 640, 672};
        QCOMPARE(multiScaleResolutions(512), small);
        QCOMPARE(multiScaleResolutions(576).front(), 416);
        QCOMPARE(multiScaleResolutions(576).back(), 736);
        QCOMPARE(multiScaleResolutions(704).back(), 864);
        QCOMPARE(multiScaleResolutions(384).front(), 224);
        QCOMPARE(multiScaleResolutions(512, false).size(), size_t(8));
        // Never below 2 x 32.
        for (int s : multiScaleResolutions(96)) QVERIFY(s >= 64);
    }
    void resumeSettingRoundTrips() {
        RunConfig c;
        setResumeSetting(c, "auto");
        QCOMPARE(c.resumeMode, ResumeMode::Auto);
        QCOMPARE(resumeSetting(c), std::string("auto"));
        setResumeSetting(c, "/runs/a/checkpoint.pth");
        QCOMPARE(c.resumeMode, ResumeMode::Path);
        QCOMPARE(resumeSetting(c), std::string("/runs/a/checkpoint.pth"));
        setResumeSetting(c, "");
        QCOMPARE(c.resumeMode, ResumeMode::None);
    }
};

QTEST_GUILESS_MAIN(TstRunConfig)
#include "tst_run_config.moc"
