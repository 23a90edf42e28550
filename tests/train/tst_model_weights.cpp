// Loading weights into the model: Studio checkpoints round-trip, rfdetr's fine-tune behaviour (class count
// taken from the checkpoint, head rows tiled / truncated, query tables truncated to queries x groups),
// every shape mismatch reported with both shapes, another model size named, bad input images refused.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "rfdetr_fixture.h"
#include "train/error_of.h"
#include "train/io/pth_file.h"
#include "train/model/model_weights.h"
#include "train/model/rfdetr.h"

#include <QTemporaryDir>
#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio;
using namespace studio::train;
using namespace studio::train::testing;
using studio::test::errorOf;

namespace {

NamedTensors tinyWeights() { return readCheckpointWeights(fixturePath("tiny_model.pth")).model; }

NamedTensors replaced(NamedTensors sd, const std::string& key, const at::Tensor& value) {
    for (auto& [k, t] : sd)
        if (k == key) t = value;
    return sd;
}

}  // namespace

class TestModelWeights : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

private slots:
    void initTestCase() { at::set_num_threads(1); }

    void studioCheckpointRoundTrip() {
        CheckpointWeights w = readCheckpointWeights(fixturePath("tiny_model.pth"));
        LoadedModel a = buildModelFromCheckpoint(ModelConfig::tinyFixture(), w);
        // Write rfdetr's layout: model, ema_model, epoch, args (Namespace).
        PyValue ck = PyValue::dict();
        ck.set("model", stateDictToValue(modelStateDict(*a.model)));
        ck.set("ema_model", stateDictToValue(modelStateDict(*a.model)));
        ck.set("epoch", 4);
        PyValue args = PyValue::namespaceObject();
        args.set("class_names", PyValue::list({"checkbox", "text", "signature"}));
        ck.set("args", args);
        const std::string path = m_tmp.filePath("studio.pth").toStdString();
        writePth(path, ck);

        CheckpointWeights back = readCheckpointWeights(path);
        QVERIFY(back.ema.has_value());
        QCOMPARE(back.epoch.value_or(-1), int64_t(4));
        QCOMPARE(int(back.classNames.size()), 3);
        QVERIFY(!back.hasOptimizer);
        LoadedModel b = buildModelFromCheckpoint(ModelConfig::tinyFixture(), back, true);
        QVERIFY2(b.report.complete(), b.report.describe().c_str());
        a.model->eval();
        b.model->eval();
        torch::NoGradGuard noGrad;
        const at::Tensor images = ioTensor("input/images");
        QVERIFY(at::equal(a.model->forward(images).final.logits, b.model->forward(images).final.logits));
    }

    // rfdetr Model.__init__: a checkpoint with another class count resizes the model's heads to it first.
    void classCountComesFromCheckpoint() {
        CheckpointWeights w = readCheckpointWeights(fixturePath("tiny_model.pth"));
        NamedTensors sd;
        for (auto [k, t] : w.model) {
            if (k == "class_embed.weight" || k == "class_embed.bias" || k.find("enc_out_class_embed") != std::string::npos)
                t = t.narrow(0, 0, 3).clone();
            sd.emplace_back(k, t);
        }
        w.model = sd;
        ModelConfig config = ModelConfig::tinyFixture();
        config.numClassLogits = 91;  // what the user asked for; the checkpoint has 3
        LoadedModel m = buildModelFromCheckpoint(config, w);
        QVERIFY(m.report.complete());
        QCOMPARE(m.model->config().numClassLogits, 3);
        QCOMPARE(m.model->classEmbed->weight.size(0), int64_t(3));

        // reinitialize_detection_head(5): rows tiled (0,1,2,0,1), box heads untouched; truncation to 2.
        const at::Tensor before = m.model->classEmbed->weight.detach().clone();
        const at::Tensor enc = m.model->transformer->encOutClassEmbed->ptr<torch::nn::LinearImpl>(2)->bias.detach().clone();
        m.model->resizeClassHead(5);
        QCOMPARE(m.model->classEmbed->weight.size(0), int64_t(5));
        QVERIFY(at::equal(m.model->classEmbed->weight.narrow(0, 3, 2), before.narrow(0, 0, 2)));
        QVERIFY(at::equal(m.model->classEmbed->weight.narrow(0, 0, 3), before));
        auto* enc2 = m.model->transformer->encOutClassEmbed->ptr<torch::nn::LinearImpl>(2).get();
        QVERIFY(at::equal(enc2->bias.narrow(0, 3, 2), enc.narrow(0, 0, 2)));
        m.model->resizeClassHead(2);
        QVERIFY(at::equal(m.model->classEmbed->weight, before.narrow(0, 0, 2)));
        m.model->eval();
        torch::NoGradGuard noGrad;
        QCOMPARE(m.model->forward(ioTensor("input/images")).final.logits.size(2), int64_t(2));
        QCOMPARE(m.model->parameterCount(), int64_t(2300584) - int64_t(2) * 65 * 4);  // 4 -> 2 rows, 4 heads
    }

    // The engine's entry point: published 4-logit head fine-tuned on a 3-logit dataset.
    void fineTuningResizesToTheDataset() {
        CheckpointWeights w = readCheckpointWeights(fixturePath("tiny_model.pth"));
        LoadedModel m = buildModelForFineTuning(ModelConfig::tinyFixture(), w, 3);
        QCOMPARE(m.model->config().numClassLogits, 3);
        QVERIFY(at::equal(m.model->classEmbed->weight, findTensor(w.model, "class_embed.weight")->narrow(0, 0, 3)));
        QVERIFY2(m.report.describe().find("resized from 4 to 3 rows") != std::string::npos, m.report.describe().c_str());
        QVERIFY(buildModelForFineTuning(ModelConfig::tinyFixture(), w, 4).report.classHead.empty());
    }

    // Checkpoints trained with more groups: refpoint_embed / query_feat keep the first queries x groups rows.
    void queryTablesTruncated() {
        NamedTensors sd = tinyWeights();
        const at::Tensor q = *findTensor(sd, "query_feat.weight");
        sd = replaced(sd, "query_feat.weight", at::cat({q, q.narrow(0, 0, 30) + 1}));   // 4 groups
        const at::Tensor r = *findTensor(sd, "refpoint_embed.weight");
        sd = replaced(sd, "refpoint_embed.weight", at::cat({r, at::zeros({30, 4})}));
        RFDetr model(ModelConfig::tinyFixture());
        LoadReport report = loadStateDict(*model, sd, true);
        QCOMPARE(int(report.truncated.size()), 2);
        QVERIFY(report.describe().find("120 -> 90 rows") != std::string::npos);
        QVERIFY(at::equal(model->queryFeat->weight, q));
    }

    void everyMismatchListedNothingLoaded() {
        NamedTensors sd = tinyWeights();
        sd = replaced(sd, "class_embed.weight", at::zeros({7, 64}));
        sd = replaced(sd, "transformer.decoder.layers.1.linear1.weight", at::zeros({128, 64}));
        RFDetr model(ModelConfig::tinyFixture());
        const at::Tensor before = model->bboxEmbed->layer(0)->weight.detach().clone();
        const std::string msg = errorOf([&] { loadStateDict(*model, sd, false); });
        QVERIFY2(msg.find("2 tensor(s)") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("class_embed.weight: checkpoint [7, 64], model [4, 64]") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("transformer.decoder.layers.1.linear1.weight: checkpoint [128, 64], model [256, 64]") !=
                     std::string::npos, msg.c_str());
        QVERIFY(at::equal(model->bboxEmbed->layer(0)->weight, before));  // nothing copied
    }

    void missingAndUnexpectedKeys() {
        NamedTensors sd;
        for (const auto& [k, t] : tinyWeights())
            if (k != "bbox_embed.layers.0.bias") sd.emplace_back(k, t);
        sd.emplace_back("segmentation_head.weight", at::zeros({3}));
        RFDetr model(ModelConfig::tinyFixture());
        LoadReport lenient = loadStateDict(*model, sd, false);
        QCOMPARE(lenient.missing, std::vector<std::string>{"bbox_embed.layers.0.bias"});
        QCOMPARE(lenient.unexpected, std::vector<std::string>{"segmentation_head.weight"});
        QCOMPARE(lenient.loaded, 222);
        QVERIFY(lenient.describe().find("missing from the checkpoint") != std::string::npos);
        const std::string strict = errorOf([&] { loadStateDict(*model, sd, true); });
        QVERIFY(strict.find("bbox_embed.layers.0.bias") != std::string::npos);
        QVERIFY(strict.find("segmentation_head.weight") != std::string::npos);
    }

    void otherModelSizeIsNamed() {
        // A medium-sized state dict (shapes only; expanded scalars cost no memory) into a small model.
        RFDetr medium(ModelConfig::forSize(ModelSize::Medium, 91));
        NamedTensors shapes;
        for (const auto& [k, t] : modelStateDict(*medium)) shapes.emplace_back(k, at::zeros({1}).expand(t.sizes()));
        const StateDictArchitecture arch = inspectStateDict(shapes);
        const std::string msg =
            errorOf([&] { checkCompatible(arch, ModelConfig::forSize(ModelSize::Small, 91), "rf-detr-medium.pth"); });
        QVERIFY2(msg.find("rf-detr-medium.pth holds RF-DETR medium") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("--model-size medium") != std::string::npos, msg.c_str());
        // The tiny model is not one of the published sizes.
        const std::string tiny = errorOf([&] {
            checkCompatible(inspectStateDict(tinyWeights()), ModelConfig::forSize(ModelSize::Small, 4), "tiny.pth");
        });
        QVERIFY2(tiny.find("not an RF-DETR nano/small/medium/large") != std::string::npos, tiny.c_str());
        const std::string notModel = errorOf([] { inspectStateDict({{"foo", at::zeros({1})}}); });
        QVERIFY(notModel.find("not an RF-DETR state dict") != std::string::npos);
    }

    void badInputImages() {
        RFDetr model(ModelConfig::tinyFixture());
        model->eval();
        torch::NoGradGuard noGrad;
        const std::string size = errorOf([&] { model->forward(at::zeros({1, 3, 100, 160})); });
        QVERIFY2(size.find("100x160") != std::string::npos && size.find("multiples of 32") != std::string::npos,
                 size.c_str());
        const std::string channels = errorOf([&] { model->forward(at::zeros({1, 1, 160, 160})); });
        QVERIFY2(channels.find("3 (RGB) channels, got 1") != std::string::npos, channels.c_str());
        QVERIFY(!errorOf([&] { model->forward(at::zeros({3, 160, 160})); }).empty());
        QVERIFY(!errorOf([&] { model->forward(at::zeros({1, 3, 160, 160}, at::kLong)); }).empty());
        // Non-square inputs work (position embeddings interpolated to the grid).
        QCOMPARE(model->forward(at::zeros({1, 3, 64, 128})).final.logits.size(1), int64_t(30));
    }

    void notACheckpoint() {
        const std::string path = m_tmp.filePath("list.pth").toStdString();
        writePth(path, PyValue::list({1, 2}));
        const std::string msg = errorOf([&] { readCheckpointWeights(path); });
        QVERIFY2(msg.find("expected a dict with 'model'") != std::string::npos, msg.c_str());
        PyValue d = PyValue::dict();
        d.set("epoch", 3);
        writePth(path, d);
        QVERIFY(errorOf([&] { readCheckpointWeights(path); }).find("no 'model' state dict") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestModelWeights)
#include "tst_model_weights.moc"
