// The model's GPU fast path (label gpu; plain executable), float32 with TF32 off unless stated:
//  1. the tiny fixture model with the fused kernels and SDPA reproduces tiny_io.pth's eval outputs
//     (rtol 1e-4, atol 1e-5, as tst_model_parity on the CPU);
//  2. tiny and RF-DETR medium (576 px, batch 2, 13 groups, random init) in training: forward + backward
//     with the fused deformable attention vs the grid_sample reference (attention pinned to one path, so
//     the two-stage top-k sees identical encoder outputs): outputs within 1e-4 and every parameter
//     gradient within 1e-3 (L2 norm of the difference relative to the gradient's norm, or to 1e-3 of the
//     largest gradient norm when that is larger: some gradients are rounding noise around zero);
//  3. medium under bf16 autocast with the fused path: forward + backward finite, close to the reference
//     path under the same autocast (5e-2);
//  4. SDPA vs the eager attention math at the ViT's and the decoder's shapes (float32 1e-5, bf16 2e-2).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/version.h>

#include "gpu_check.h"
#include "train/model/attention_ops.h"
#include "train/model/autocast_guard.h"
#include "train/model/kernel_path.h"
#include "train/model/model_weights.h"
#include "train/rfdetr_fixture.h"

using namespace studio;
using namespace studio::train;
using namespace studio::train::testing;
using studio::gputest::Checks;

namespace {

Checks checks;

// ||a - b|| / max(||b||, floor).
double normError(const at::Tensor& a, const at::Tensor& b, double floor = 0.0) {
    at::Tensor x = a.detach().to(at::kCPU, at::kDouble), y = b.detach().to(at::kCPU, at::kDouble);
    const double n = std::max(floor, y.norm().item<double>());
    const double d = (x - y).norm().item<double>();
    return n > 0 ? d / n : d;
}

struct Run {
    ModelOutput out;
    std::vector<std::pair<std::string, at::Tensor>> grads;
};

// One training forward + backward of a fixed random objective with the deformable attention on `path`.
Run trainStep(RFDetr& model, const at::Tensor& images, KernelPath path, bool bf16) {
    setKernelPath(KernelOp::DeformAttn, path);
    model->zero_grad();
    Run r;
    {
        AutocastGuard autocast(images.device().type(), bf16);
        r.out = model->forward(images);
    }
    at::manual_seed(1);
    const auto opts = at::TensorOptions().device(images.device());
    const at::Tensor wl = at::randn(r.out.final.logits.sizes(), opts), wb = at::randn(r.out.final.boxes.sizes(), opts);
    at::Tensor loss = (r.out.final.logits.to(at::kFloat) * wl).sum() + (r.out.final.boxes.to(at::kFloat) * wb).sum();
    for (const auto& aux : r.out.aux) loss = loss + aux.boxes.to(at::kFloat).sum();
    loss = loss + r.out.enc->boxes.to(at::kFloat).sum();
    loss.backward();
    for (const auto& item : model->named_parameters())
        r.grads.emplace_back(item.key(), item.value().grad().defined() ? item.value().grad().clone() : at::Tensor());
    setKernelPath(KernelOp::DeformAttn, std::nullopt);
    return r;
}

void compareRuns(const std::string& name, const Run& fusedRun, const Run& refRun, double outTol, double gradTol) {
    checks.within(name + ": final logits", normError(fusedRun.out.final.logits, refRun.out.final.logits), outTol);
    checks.within(name + ": final boxes", normError(fusedRun.out.final.boxes, refRun.out.final.boxes), outTol);
    checks.within(name + ": aux 0 boxes", normError(fusedRun.out.aux.at(0).boxes, refRun.out.aux.at(0).boxes), outTol);
    bool sameCoverage = true, finite = true;
    double worst = 0, largest = 0;
    std::string worstName;
    for (const auto& g : refRun.grads)
        if (g.second.defined()) largest = std::max(largest, g.second.norm().item<double>());
    for (size_t i = 0; i < refRun.grads.size(); ++i) {
        const at::Tensor& a = fusedRun.grads[i].second;
        const at::Tensor& b = refRun.grads[i].second;
        sameCoverage = sameCoverage && a.defined() == b.defined();
        if (!a.defined() || !b.defined()) continue;
        finite = finite && at::isfinite(a).all().item<bool>();
        // Some gradients are zero up to rounding (the ViT key biases, which softmax ignores): judge them
        // against 1e-3 of the largest parameter gradient instead of their own noise.
        const double e = normError(a, b, 1e-3 * largest);
        if (!(e <= worst)) worst = e, worstName = refRun.grads[i].first;
    }
    checks.check(sameCoverage, name + ": the same parameters receive gradients");
    checks.check(finite, name + ": gradients finite");
    checks.within(name + ": parameter gradients, worst " + worstName, worst, gradTol);
}

void tinyFixture(const at::Device& dev) {
    checks.section("tiny fixture model");
    LoadedModel tiny =
        buildModelFromCheckpoint(ModelConfig::tinyFixture(), readCheckpointWeights(fixturePath("tiny_model.pth")));
    RFDetr model = tiny.model;
    model->to(dev);
    const at::Tensor images = ioTensor("input/images").to(dev);
    {
        setKernelPath(KernelPath::Auto);
        torch::NoGradGuard noGrad;
        model->eval();
        ModelOutput out = model->forward(images);
        for (auto [name, got, key] : {std::make_tuple("logits", out.final.logits, "eval/pred_logits"),
                                      std::make_tuple("boxes", out.final.boxes, "eval/pred_boxes")}) {
            const Closeness c = compareTensors(std::string("fast path eval ") + name + " vs tiny_io.pth", got,
                                               ioTensor(key));
            checks.check(c.ok, c.message);
        }
    }
    model->train();
    const Run ref = trainStep(model, images, KernelPath::Reference, false);
    const Run fusedRun = trainStep(model, images, KernelPath::Fused, false);
    compareRuns("tiny train f32", fusedRun, ref, 1e-5, 1e-4);
}

void medium(const at::Device& dev) {
    // On the CPU (STUDIO_GPU_TEST_ON_CPU, checking the test itself) one 256 px image keeps it short.
    const int64_t batch = dev.is_cuda() ? 2 : 1, side = dev.is_cuda() ? 576 : 256;
    checks.section("medium, " + std::to_string(side) + " px, batch " + std::to_string(batch) + ", train mode, float32");
    at::manual_seed(0);
    RFDetr model(ModelConfig::forSize(ModelSize::Medium, 4));
    model->to(dev);
    model->train();
    const at::Tensor images = at::randn({batch, 3, side, side}, at::TensorOptions().device(dev));
    const Run ref = trainStep(model, images, KernelPath::Reference, false);
    const Run fusedRun = trainStep(model, images, KernelPath::Fused, false);
    checks.check(fusedRun.out.final.logits.size(1) == 3900 && fusedRun.out.groups == 13, "3900 queries in 13 groups");
    compareRuns("medium train f32", fusedRun, ref, 1e-4, 1e-3);

    checks.section("medium under bf16 autocast");
    if (!dev.is_cuda()) {
        checks.check(true, "bf16 autocast skipped on the CPU");
        return;
    }
    const Run refBf16 = trainStep(model, images, KernelPath::Reference, true);
    const Run fusedBf16 = trainStep(model, images, KernelPath::Fused, true);
    checks.check(at::isfinite(fusedBf16.out.final.logits.to(at::kFloat)).all().item<bool>() &&
                     at::isfinite(fusedBf16.out.final.boxes.to(at::kFloat)).all().item<bool>(),
                 "bf16 fused forward finite");
    compareRuns("medium train bf16", fusedBf16, refBf16, 5e-2, 5e-2);
}

void attention(const at::Device& dev) {
    checks.section("SDPA vs eager attention math");
    std::printf("LibTorch %d.%d: %s\n", TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR,
                sdpaFor(KernelPath::Auto) ? "SDPA available" : "no SDPA (eager math both ways)");
    struct Shape {
        const char* name;
        int64_t batch, tokens, width, heads;
        AttentionScaling scaling;
    };
    const Shape shapes[] = {{"ViT window (medium 576 px, batch 2)", 8, 325, 384, 6, AttentionScaling::AfterMatmul},
                            {"ViT global (medium 576 px, batch 2)", 2, 1300, 384, 6, AttentionScaling::AfterMatmul},
                            {"decoder self-attention (13 groups, batch 2)", 26, 300, 256, 8, AttentionScaling::QueryFirst}};
    setKernelPath(KernelOp::Attention, KernelPath::Auto);
    for (const Shape& s : shapes) {
        at::manual_seed(3);
        const auto opts = at::TensorOptions().device(dev);
        const at::Tensor q = at::randn({s.batch, s.tokens, s.width}, opts), k = at::randn_like(q), v = at::randn_like(q);
        checks.within(std::string(s.name) + " f32",
                      normError(multiHeadAttention(q, k, v, s.heads, s.scaling),
                                multiHeadAttentionMath(q, k, v, s.heads, s.scaling)),
                      1e-5);
        if (!dev.is_cuda()) continue;
        const at::Tensor qb = q.to(at::kBFloat16), kb = k.to(at::kBFloat16), vb = v.to(at::kBFloat16);
        checks.within(std::string(s.name) + " bf16 vs f32 math",
                      normError(multiHeadAttention(qb, kb, vb, s.heads, s.scaling),
                                multiHeadAttentionMath(q, k, v, s.heads, s.scaling)),
                      2e-2);
    }
    setKernelPath(KernelOp::Attention, std::nullopt);
}

}  // namespace

int main() {
    const at::Device dev = studio::gputest::testDevice();
    std::printf("%s\n", describeKernelPaths(dev.is_cuda()).c_str());
    tinyFixture(dev);
    attention(dev);
    medium(dev);
    return checks.finish();
}
