// The fused deformable-attention op on the CPU, i.e. the CUDA kernels' host twin (the same per-channel
// arithmetic the GPU runs, ms_deform_attn_math.h), against rfdetr's grid_sample reference: outputs and all
// three gradients on every small case in float64 (1e-12) and float32 (1e-5: grid_sample on the CPU rounds
// the pixel coordinate differently, which moves samples by ~1e-7 x the side) and on RF-DETR medium's shape,
// finite-difference gradients, NaN and out-of-range locations, bf16 values, the autograd wrapper, bad
// inputs, the STUDIO_MODEL_KERNELS switch, and the tiny RF-DETR (fixture weights) with either path.
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <ATen/ATen.h>
#include <torch/version.h>

#include "msda_cases.h"
#include "rfdetr_fixture.h"
#include "train/error_of.h"
#include "train/model/attention_ops.h"
#include "train/model/kernel_path.h"
#include "train/model/model_weights.h"
#include "train/model/ms_deform_attn_core.h"
#include "train/model/ms_deform_attn_function.h"

#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio::train;
using namespace studio::train::testing;
using studio::test::errorOf;

namespace {

at::Tensor reference(const at::Tensor& v, const SpatialShapes& s, const at::Tensor& l, const at::Tensor& w) {
    return msDeformAttnReference(v, s, l, w);
}
at::Tensor fused(const at::Tensor& v, const SpatialShapes& s, const at::Tensor& l, const at::Tensor& w) {
    return msDeformAttnFused(v, s, l, w);
}

}  // namespace

class TestMsDeformAttnFused : public QObject {
    Q_OBJECT

    void compareWithReference(const MsdaCase& c, at::ScalarType dtype, double tolerance) {
        const MsdaInputs in = makeMsdaInputs(c, at::TensorOptions().dtype(dtype), 11);
        const MsdaGrads ref = runWithAutograd(reference, in, c.shapes);
        const MsdaGrads got = runWithAutograd(fused, in, c.shapes);
        const std::pair<const char*, std::pair<at::Tensor, at::Tensor>> parts[] = {
            {"output", {got.output, ref.output}},
            {"grad value", {got.value, ref.value}},
            {"grad locations", {got.locations, ref.locations}},
            {"grad weights", {got.weights, ref.weights}}};
        for (const auto& [what, pair] : parts) {
            QCOMPARE(pair.first.scalar_type(), dtype);
            QCOMPARE(pair.first.sizes(), pair.second.sizes());
            const double err = relativeError(pair.first, pair.second);
            qInfo("%s, %s: relative error %g", c.name.c_str(), what, err);
            QVERIFY2(err <= tolerance, qPrintable(QString("%1, %2: relative error %3 > %4")
                                                      .arg(c.name.c_str(), what)
                                                      .arg(err)
                                                      .arg(tolerance)));
        }
    }

private slots:
    void initTestCase() {
        // Read once per process: set before anything asks for the kernel path.
        qputenv(kKernelPathEnv, "bogus");
        at::set_num_threads(2);
    }

    void badEnvironmentValueIsNamed() {
        const std::string e = errorOf([] { kernelPath(KernelOp::DeformAttn); });
        QVERIFY2(e.find("STUDIO_MODEL_KERNELS=bogus") != std::string::npos, e.c_str());
        QVERIFY2(e.find("auto, fused or reference") != std::string::npos, e.c_str());
    }

    void overrideParseAndDispatchTable() {
        setKernelPath(KernelPath::Reference);
        QCOMPARE(kernelPath(KernelOp::DeformAttn), KernelPath::Reference);
        QCOMPARE(kernelPath(KernelOp::Attention), KernelPath::Reference);
        setKernelPath(KernelOp::Attention, KernelPath::Fused);
        QCOMPARE(kernelPath(KernelOp::DeformAttn), KernelPath::Reference);
        QCOMPARE(kernelPath(KernelOp::Attention), KernelPath::Fused);
        for (KernelPath p : {KernelPath::Auto, KernelPath::Fused, KernelPath::Reference})
            QCOMPARE(parseKernelPath(kernelPathName(p)), std::optional<KernelPath>(p));
        QVERIFY(!parseKernelPath("Fused").has_value());
        QVERIFY(!parseKernelPath("").has_value());
        QVERIFY(fusedDeformAttnFor(KernelPath::Fused, false));
        QVERIFY(!fusedDeformAttnFor(KernelPath::Reference, true));
        QVERIFY(!fusedDeformAttnFor(KernelPath::Auto, false));
        QCOMPARE(fusedDeformAttnFor(KernelPath::Auto, true), msdaCudaKernelsCompiled());
        QVERIFY(!sdpaFor(KernelPath::Reference));
        QCOMPARE(sdpaFor(KernelPath::Auto), TORCH_VERSION_MAJOR >= 2);
        setKernelPath(KernelPath::Fused);
        const std::string cpu = describeKernelPaths(false);
        QVERIFY2(cpu.find("host twin") != std::string::npos, cpu.c_str());
        setKernelPath(KernelPath::Reference);
        const std::string ref = describeKernelPaths(true);
        QVERIFY2(ref.find("grid_sample") != std::string::npos && ref.find("eager math") != std::string::npos,
                 ref.c_str());
        setKernelPath(std::nullopt);
        QVERIFY(!errorOf([] { kernelPath(KernelOp::DeformAttn); }).empty());  // back to the (bad) environment
        setKernelPath(KernelPath::Auto);
    }

    void float64MatchesReferenceTightly() {
        for (const MsdaCase& c : msdaSmallCases()) compareWithReference(c, at::kDouble, 1e-12);
    }

    void float32MatchesReference() {
        for (const MsdaCase& c : msdaSmallCases()) compareWithReference(c, at::kFloat, 1e-5);
    }

    void mediumTrainingShapeMatchesReference() { compareWithReference(msdaMediumCase(1), at::kFloat, 1e-5); }

    void gradientsMatchFiniteDifferences() {
        const MsdaCase c{"finite differences", 1, 3, 2, 3, 2, {{3, 4}, {2, 2}}};
        const MsdaInputs in = makeMsdaInputs(c, at::TensorOptions().dtype(at::kDouble), 5, 0.05);
        const MsdaGrads got = runWithAutograd(fused, in, c.shapes);
        at::Tensor inputs[3] = {in.value.clone(), in.locations.clone(), in.weights.clone()};
        const at::Tensor analytic[3] = {got.value, got.locations, got.weights};
        auto objective = [&] {
            return (msdaFusedForward(inputs[0], c.shapes, inputs[1], inputs[2]) * in.gradOutput).sum().item<double>();
        };
        const double eps = 1e-6;
        for (int which = 0; which < 3; ++which) {
            at::Tensor flat = inputs[which].view({-1});
            at::Tensor grad = analytic[which].reshape({-1});
            for (int64_t i = 0; i < flat.numel(); ++i) {
                const double x = flat[i].item<double>();
                flat[i] = x + eps;
                const double up = objective();
                flat[i] = x - eps;
                const double down = objective();
                flat[i] = x;
                const double numeric = (up - down) / (2 * eps), exact = grad[i].item<double>();
                QVERIFY2(std::abs(numeric - exact) <= 1e-6 * (1 + std::abs(exact)),
                         qPrintable(QString("input %1 element %2: finite difference %3 vs gradient %4")
                                        .arg(which)
                                        .arg(i)
                                        .arg(numeric)
                                        .arg(exact)));
            }
        }
    }

    void rawOpsEqualAutograd() {
        const MsdaCase c = msdaSmallCases().at(1);
        const MsdaInputs in = makeMsdaInputs(c, at::TensorOptions().dtype(at::kFloat), 3);
        const MsdaGrads viaAutograd = runWithAutograd(fused, in, c.shapes);
        QVERIFY(at::equal(msdaFusedForward(in.value, c.shapes, in.locations, in.weights), viaAutograd.output));
        const MsdaGradients raw = msdaFusedBackward(in.gradOutput, in.value, c.shapes, in.locations, in.weights);
        QVERIFY(at::equal(raw.value, viaAutograd.value));
        QVERIFY(at::equal(raw.locations, viaAutograd.locations));
        QVERIFY(at::equal(raw.weights, viaAutograd.weights));
    }

    void onlyRequestedGradients() {
        const MsdaCase c = msdaSmallCases().at(0);
        const MsdaInputs in = makeMsdaInputs(c, at::TensorOptions().dtype(at::kFloat), 4);
        at::Tensor v = in.value.clone().set_requires_grad(true);
        at::Tensor l = in.locations.clone(), w = in.weights.clone();
        msDeformAttnFused(v, c.shapes, l, w).sum().backward();
        QVERIFY(v.grad().defined());
        QVERIFY(!l.grad().defined() && !w.grad().defined());
        torch::NoGradGuard noGrad;  // and without autograd at all
        QVERIFY(!msDeformAttnFused(in.value, c.shapes, l, w).requires_grad());
    }

    void outsideAndNanLocations() {
        const MsdaCase c{"edges", 1, 4, 2, 3, 2, {{3, 5}}};
        MsdaInputs in = makeMsdaInputs(c, at::TensorOptions().dtype(at::kDouble), 9);
        // query 0: far outside; query 1: on the border pixel centres and corners; query 2: one NaN.
        in.locations[0][0].fill_(1.7);
        in.locations[0][0][1].fill_(-0.8);
        in.locations[0][1][0][0][0] = at::tensor({0.0, 0.0}, at::kDouble);
        in.locations[0][1][0][0][1] = at::tensor({1.0, 1.0}, at::kDouble);
        in.locations[0][1][1][0][0] = at::tensor({0.1, 1.0 - 1e-9}, at::kDouble);
        const MsdaGrads ref = runWithAutograd(reference, in, c.shapes);
        const MsdaGrads got = runWithAutograd(fused, in, c.shapes);
        QVERIFY(at::equal(got.output[0][0], at::zeros({6}, at::kDouble)));
        QVERIFY(at::equal(got.locations[0][0], at::zeros_like(got.locations[0][0])));
        QVERIFY2(relativeError(got.output, ref.output) < 1e-12, "border samples differ from grid_sample");
        QVERIFY2(relativeError(got.value, ref.value) < 1e-12, "border value gradients differ from grid_sample");

        in.locations[0][2][1][0][1][0] = std::nan("");
        const MsdaGrads nan = runWithAutograd(fused, in, c.shapes);
        QVERIFY(at::isnan(nan.output[0][2].narrow(0, 3, 3)).all().item<bool>());  // head 1 of query 2
        QVERIFY(at::isfinite(nan.output[0][2].narrow(0, 0, 3)).all().item<bool>());
        QVERIFY(at::isfinite(nan.output[0][3]).all().item<bool>());
        QVERIFY(at::isnan(nan.locations[0][2][1][0][1]).all().item<bool>());
        QVERIFY(at::isfinite(nan.value).all().item<bool>());
    }

    void lowPrecisionValues() {
        const MsdaCase c = msdaSmallCases().at(0);
        for (at::ScalarType t : {at::kBFloat16, at::kHalf}) {
            MsdaInputs in = makeMsdaInputs(c, at::TensorOptions().dtype(at::kFloat), 6);
            in.value = in.value.to(t);
            const MsdaGrads got = runWithAutograd(fused, in, c.shapes);
            QCOMPARE(got.output.scalar_type(), t);
            QCOMPARE(got.value.scalar_type(), t);
            QCOMPARE(got.locations.scalar_type(), at::kFloat);
            in.value = in.value.to(at::kFloat);
            const MsdaGrads ref = runWithAutograd(reference, in, c.shapes);
            QVERIFY(relativeError(got.output, ref.output) < 1e-2);
            QVERIFY(relativeError(got.locations, ref.locations) < 2e-2);
        }
    }

    void badInputsAreNamed() {
        const MsdaCase c = msdaSmallCases().at(0);
        const MsdaInputs in = makeMsdaInputs(c, at::TensorOptions().dtype(at::kFloat), 1);
        auto both = [&](auto&& call, const std::string& needle) {
            for (auto* op : {&reference, &fused}) {
                const std::string e = errorOf([&] { call(*op); });
                QVERIFY2(e.find(needle) != std::string::npos, (needle + " not in: " + e).c_str());
            }
        };
        both([&](auto op) { op(in.value.flatten(2), c.shapes, in.locations, in.weights); }, "value must be");
        both([&](auto op) { op(in.value, c.shapes, in.locations.narrow(5, 0, 1), in.weights); }, "sampling locations");
        both([&](auto op) { op(in.value, c.shapes, in.locations, in.weights.narrow(4, 0, 1)); }, "attention weights");
        both([&](auto op) { op(in.value, SpatialShapes{{7, 8}}, in.locations, in.weights); }, "do not cover the memory");
        both([&](auto op) { op(in.value, SpatialShapes{{7, 9}, {1, 1}}, in.locations, in.weights); }, "levels");
        both([&](auto op) { op(in.value.narrow(2, 0, 2), c.shapes, in.locations, in.weights); }, "batch or heads");
        SpatialShapes many(17, {1, 1});
        const MsdaCase deep{"17 levels", 1, 2, 1, 2, 1, many};
        const MsdaInputs d = makeMsdaInputs(deep, at::TensorOptions().dtype(at::kFloat), 2);
        const std::string e = errorOf([&] { fused(d.value, many, d.locations, d.weights); });
        QVERIFY2(e.find("at most 16 feature levels") != std::string::npos, e.c_str());
        QVERIFY(errorOf([&] { reference(d.value, many, d.locations, d.weights); }).empty());
    }

    void attentionMathAndSdpaAgree() {
        at::manual_seed(2);
        const at::Tensor q = at::randn({2, 7, 32}), k = at::randn({2, 9, 32}), v = at::randn({2, 9, 32});
        setKernelPath(KernelPath::Auto);
        const at::Tensor fast = multiHeadAttention(q, k, v, 4, AttentionScaling::QueryFirst);
        const at::Tensor math = multiHeadAttentionMath(q, k, v, 4, AttentionScaling::QueryFirst);
        QVERIFY(relativeError(fast, math) < 1e-6);
        // The math itself: softmax(q kᵀ/√d) v for head 0 of image 0.
        const at::Tensor qh = q[0].narrow(1, 0, 8), kh = k[0].narrow(1, 0, 8), vh = v[0].narrow(1, 0, 8);
        const at::Tensor expected = at::softmax(qh.matmul(kh.t()) / std::sqrt(8.0), -1).matmul(vh);
        QVERIFY(relativeError(math[0].narrow(1, 0, 8), expected) < 1e-6);
    }

    void tinyModelFusedMatchesReference() {
        at::set_num_threads(1);
        LoadedModel loaded =
            buildModelFromCheckpoint(ModelConfig::tinyFixture(), readCheckpointWeights(fixturePath("tiny_model.pth")));
        RFDetr model = loaded.model;
        const at::Tensor images = ioTensor("input/images");
        {
            setKernelPath(KernelPath::Fused);  // eval: the host twin reproduces the Python reference
            torch::NoGradGuard noGrad;
            model->eval();
            ModelOutput out = model->forward(images);
            STUDIO_COMPARE_TENSORS("fused eval pred_logits", out.final.logits, ioTensor("eval/pred_logits"));
            STUDIO_COMPARE_TENSORS("fused eval pred_boxes", out.final.boxes, ioTensor("eval/pred_boxes"));
        }
        model->train();
        std::vector<std::vector<at::Tensor>> grads;
        std::vector<ModelOutput> outs;
        for (KernelPath p : {KernelPath::Reference, KernelPath::Fused}) {
            setKernelPath(p);
            model->zero_grad();
            ModelOutput out = model->forward(images);
            at::manual_seed(1);
            const at::Tensor wl = at::randn(out.final.logits.sizes()), wb = at::randn(out.final.boxes.sizes());
            ((out.final.logits * wl).sum() + (out.final.boxes * wb).sum() + out.aux.at(0).boxes.sum()).backward();
            std::vector<at::Tensor> g;
            for (const auto& param : model->parameters())
                g.push_back(param.grad().defined() ? param.grad().clone() : at::Tensor());
            grads.push_back(g);
            outs.push_back(out);
        }
        setKernelPath(KernelPath::Auto);
        STUDIO_COMPARE_TENSORS("train pred_logits fused vs reference", outs[1].final.logits, outs[0].final.logits,
                               1e-5, 1e-6);
        STUDIO_COMPARE_TENSORS("train pred_boxes fused vs reference", outs[1].final.boxes, outs[0].final.boxes, 1e-5,
                               1e-6);
        int compared = 0;
        const auto names = model->named_parameters().keys();
        for (size_t i = 0; i < grads[0].size(); ++i) {
            QCOMPARE(grads[0][i].defined(), grads[1][i].defined());
            if (!grads[0][i].defined()) continue;
            // Relative to the largest gradient element, at least 1e-3: some gradients are zero up to
            // rounding (e.g. the ViT key biases, which softmax ignores).
            const double err = relativeError(grads[1][i], grads[0][i], 1e-3);
            QVERIFY2(err < 1e-4, qPrintable(QString("%1: gradient relative error %2").arg(names[i].c_str()).arg(err)));
            ++compared;
        }
        QVERIFY2(compared > 150, qPrintable(QString("only %1 parameters got gradients").arg(compared)));
    }
};

QTEST_GUILESS_MAIN(TestMsDeformAttnFused)
#include "tst_ms_deform_attn_fused.moc"
