// Parity of the C++ RF-DETR with the Python reference: the tiny model of tests/data/rfdetr loaded from
// tiny_model.pth reproduces tiny_io.pth's eval, train (all groups), aux, encoder and intermediate outputs
// in float32 on CPU, also at 96 and 192 px, and the PostProcess detections.
#include <algorithm>
#include <tuple>

#include <set>
#include <sstream>

#include <ATen/ATen.h>
#include <ATen/autocast_mode.h>
#include <torch/nn/module.h>

#include "rfdetr_fixture.h"
#include "train/model/autocast_guard.h"
#include "train/model/model_weights.h"
#include "train/model/position_encoding.h"
#include "train/model/postprocess.h"
#include "train/model/rfdetr.h"

// Qt's `slots` macro breaks Torch headers: include Qt Test after them.
#include <QtTest>

using namespace studio::train;
using namespace studio::train::testing;

class TestModelParity : public QObject {
    Q_OBJECT

    RFDetr m_model{nullptr};

    void compareOutput(const std::string& prefix, const DetectionOutput& out) {
        STUDIO_COMPARE_TENSORS(prefix + "pred_logits", out.logits, ioTensor(prefix + "pred_logits"));
        STUDIO_COMPARE_TENSORS(prefix + "pred_boxes", out.boxes, ioTensor(prefix + "pred_boxes"));
    }

private slots:
    void initTestCase() {
        at::set_num_threads(1);  // as the fixture was generated; also keeps the test deterministic
        CheckpointWeights w = readCheckpointWeights(fixturePath("tiny_model.pth"));
        LoadedModel loaded = buildModelFromCheckpoint(ModelConfig::tinyFixture(), w);
        QVERIFY2(loaded.report.complete(), loaded.report.describe().c_str());
        QCOMPARE(loaded.report.loaded, 223);
        QCOMPARE(loaded.model->parameterCount(), int64_t(2300584));
        m_model = loaded.model;
    }

    void evalOutputsAndIntermediates() {
        m_model->eval();
        torch::NoGradGuard noGrad;
        ModelTrace trace;
        ModelOutput out = m_model->forward(ioTensor("input/images"), {}, &trace);
        QCOMPARE(out.groups, 1);
        QCOMPARE(int(out.aux.size()), 2);
        QVERIFY(out.enc.has_value());
        compareOutput("eval/", out.final);
        compareOutput("eval/aux_outputs/0/", out.aux[0]);
        compareOutput("eval/aux_outputs/1/", out.aux[1]);
        compareOutput("eval/enc_outputs/", *out.enc);

        // Windowed layout: image 0 = window rows 0..3.
        STUDIO_COMPARE_TENSORS("vit_embeddings", trace.vitEmbeddings.narrow(0, 0, 4),
                               ioTensor("eval/inter/vit_embeddings_img0"));
        QCOMPARE(int(trace.vitLayerOutputs.size()), 4);
        for (int i = 0; i < 4; ++i) {
            const std::string key = "eval/inter/vit_layer" + std::to_string(i) + "_out_img0";
            STUDIO_COMPARE_TENSORS(key, trace.vitLayerOutputs[i].narrow(0, 0, 4), ioTensor(key));
        }
        QCOMPARE(int(trace.encoderTaps.size()), 2);
        STUDIO_COMPARE_TENSORS("encoder_tap0", trace.encoderTaps[0], ioTensor("eval/inter/encoder_tap0"));
        STUDIO_COMPARE_TENSORS("encoder_tap1", trace.encoderTaps[1], ioTensor("eval/inter/encoder_tap1"));
        STUDIO_COMPARE_TENSORS("projector_out0", trace.projectorOut, ioTensor("eval/inter/projector_out0"));
        STUDIO_COMPARE_TENSORS("transformer_hs", trace.hs, ioTensor("eval/inter/transformer_hs"));
        STUDIO_COMPARE_TENSORS("transformer_references", trace.references.unsqueeze(0),
                               ioTensor("eval/inter/transformer_references"));
        STUDIO_COMPARE_TENSORS("transformer_hs_enc", trace.hsEnc, ioTensor("eval/inter/transformer_hs_enc"));
        STUDIO_COMPARE_TENSORS("transformer_ref_enc", trace.refEnc, ioTensor("eval/inter/transformer_ref_enc"));
        // The feature-map sine encoding rfdetr computes (and never uses).
        const at::Tensor mask = ioTensor("eval/inter/mask0");
        QVERIFY(!mask.any().item<bool>());
        STUDIO_COMPARE_TENSORS("pos_embed0", featureSineEmbedding(mask, 32), ioTensor("eval/inter/pos_embed0"));
    }

    void trainOutputsAllGroups() {
        m_model->train();
        torch::NoGradGuard noGrad;
        ModelOutput out = m_model->forward(ioTensor("input/images"));
        m_model->eval();
        QCOMPARE(out.groups, 3);
        QCOMPARE(out.final.logits.size(1), int64_t(90));
        compareOutput("train/", out.final);
        compareOutput("train/aux_outputs/0/", out.aux.at(0));
        compareOutput("train/aux_outputs/1/", out.aux.at(1));
        compareOutput("train/enc_outputs/", *out.enc);
    }

    void otherResolutions_data() {
        QTest::addColumn<int>("resolution");
        QTest::newRow("96 px (position grid 10 -> 6)") << 96;
        QTest::newRow("192 px (position grid 10 -> 12)") << 192;
    }

    void otherResolutions() {
        QFETCH(int, resolution);
        const std::string p = "alt_res/" + std::to_string(resolution) + "/";
        m_model->eval();
        torch::NoGradGuard noGrad;
        ModelTrace trace;
        ModelOutput out = m_model->forward(ioTensor(p + "images"), {}, &trace);
        STUDIO_COMPARE_TENSORS(p + "encoder_tap1", trace.encoderTaps.at(1), ioTensor(p + "encoder_tap1"));
        STUDIO_COMPARE_TENSORS(p + "pred_logits", out.final.logits, ioTensor(p + "pred_logits"));
        STUDIO_COMPARE_TENSORS(p + "pred_boxes", out.final.boxes, ioTensor(p + "pred_boxes"));
        STUDIO_COMPARE_TENSORS(p + "enc_pred_logits", out.enc->logits, ioTensor(p + "enc_pred_logits"));
        STUDIO_COMPARE_TENSORS(p + "enc_pred_boxes", out.enc->boxes, ioTensor(p + "enc_pred_boxes"));
    }

    // Every parameter rfdetr trains gets a gradient (all groups, aux layers and the two-stage heads); only
    // the unused mask_token does not. A sum over all outputs stands in for the criterion.
    void gradientsReachTheSameParameters() {
        m_model->train();
        m_model->zero_grad();
        ModelOutput out = m_model->forward(ioTensor("input/images"));
        at::Tensor total = out.final.logits.sum() + out.final.boxes.sum() + out.enc->logits.sum() + out.enc->boxes.sum();
        for (const auto& a : out.aux) total = total + a.logits.sum() + a.boxes.sum();
        total.backward();
        m_model->eval();
        std::set<std::string> expected;
        std::istringstream names(tinyIo().at("grad/names").asString());
        for (std::string n; std::getline(names, n);) expected.insert(n);
        QCOMPARE(int(expected.size()), 222);
        std::set<std::string> withGrad, without;
        for (const auto& p : m_model->named_parameters()) {
            const bool has = p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0;
            (has ? withGrad : without).insert(p.key());
        }
        QCOMPARE(withGrad, expected);
        QCOMPARE(without, std::set<std::string>{tinyIo().at("grad/params_without_grad").asString()});
        m_model->zero_grad();
    }

    // The forward and backward run under bf16 autocast (CPU here; CUDA in training) without dtype clashes.
    void autocastBfloat16() {
        const at::Tensor images = ioTensor("input/images");
        m_model->train();
        ModelOutput out;
        ModelTrace trace;
        {
            AutocastGuard autocast(c10::kCPU, true, at::kBFloat16);
            out = m_model->forward(images, {}, &trace);
        }
        QVERIFY(!AutocastGuard::active(c10::kCPU));
        QVERIFY(at::isfinite(out.final.logits).all().item<bool>());
        (out.final.logits.to(at::kFloat).sum() + out.final.boxes.to(at::kFloat).sum() + out.enc->boxes.to(at::kFloat).sum()).backward();
        for (const auto& p : m_model->parameters())
            if (p.grad().defined()) QVERIFY(at::isfinite(p.grad()).all().item<bool>());
        m_model->zero_grad();
        m_model->eval();
        // Close to the float32 reference (bf16 keeps 8 bits of mantissa). Compared before the top-k
        // selection, which near-ties can reorder at this precision.
        const at::Tensor ref = ioTensor("eval/inter/projector_out0");
        const at::Tensor got = trace.projectorOut.to(at::kFloat);
        const double rel = ((got - ref).norm() / ref.norm()).item<double>();
        QVERIFY2(rel < 0.05, qPrintable(QString("bf16 projector output differs by %1 (relative L2)").arg(rel)));
        qInfo("bf16 autocast: projector output relative L2 difference %g", rel);
    }

    // PostProcess top-20: adjacent scores can be 3e-6 apart, so compare the detections as sets.
    void postProcessDetections() {
        m_model->eval();
        torch::NoGradGuard noGrad;
        ModelOutput out = m_model->forward(ioTensor("input/images"));
        PostProcessed p = postProcess(out.final, ioTensor("postprocess/orig_sizes_hw"), 20);
        QCOMPARE(p.scores.size(1), int64_t(20));
        for (int img = 0; img < 2; ++img) {
            const std::string k = "postprocess/" + std::to_string(img) + "/";
            using Row = std::tuple<int64_t, float, float, float, float, float>;
            auto rows = [](const at::Tensor& labels, const at::Tensor& scores, const at::Tensor& boxes) {
                std::vector<Row> r;
                for (int64_t i = 0; i < labels.size(0); ++i)
                    r.emplace_back(labels[i].item<int64_t>(), boxes[i][0].item<float>(), boxes[i][1].item<float>(),
                                   boxes[i][2].item<float>(), boxes[i][3].item<float>(), scores[i].item<float>());
                std::sort(r.begin(), r.end());
                return r;
            };
            const auto mine = rows(p.labels[img], p.scores[img], p.boxes[img]);
            const auto ref = rows(ioTensor(k + "labels"), ioTensor(k + "scores"), ioTensor(k + "boxes_xyxy"));
            for (size_t i = 0; i < ref.size(); ++i) {
                QCOMPARE(std::get<0>(mine[i]), std::get<0>(ref[i]));
                for (int c = 0; c < 4; ++c) {
                    const float a = c == 0 ? std::get<1>(mine[i]) : c == 1 ? std::get<2>(mine[i])
                                  : c == 2 ? std::get<3>(mine[i]) : std::get<4>(mine[i]);
                    const float e = c == 0 ? std::get<1>(ref[i]) : c == 1 ? std::get<2>(ref[i])
                                  : c == 2 ? std::get<3>(ref[i]) : std::get<4>(ref[i]);
                    QVERIFY2(std::abs(a - e) < 1e-3f, qPrintable(QString("image %1 box %2: %3 vs %4").arg(img).arg(i).arg(a).arg(e)));
                }
                QVERIFY(std::abs(std::get<5>(mine[i]) - std::get<5>(ref[i])) <= 1e-5f * std::abs(std::get<5>(ref[i])) + 1e-7f);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestModelParity)
#include "tst_model_parity.moc"
