// RF-DETR on CUDA (label gpu; plain executable, the GPU machine has no Qt; STUDIO_GPU_TEST_ON_CPU=1 runs it on
// the CPU):
//  1. the tiny parity model in float32 with TF32 off reproduces tiny_io.pth's eval and train outputs;
//  2. the same under bf16 autocast: forward + backward finite, backbone close to float32;
//  3. a medium model at 576 px, batch 2, train mode with bf16 autocast: forward + backward on the GPU.
#include <string>

#include <ATen/ATen.h>

#include "gpu_check.h"
#include "train/io/pth_file.h"
#include "train/model/autocast_guard.h"
#include "train/model/model_weights.h"

using namespace studio;
using namespace studio::train;

namespace {

gputest::Checks g_checks;

void check(bool ok, const std::string& what) { g_checks.check(ok, what); }

void close(const std::string& what, const at::Tensor& actual, const at::Tensor& expected, double rtol = 1e-4,
           double atol = 1e-5) {
    at::Tensor a = actual.detach().to(at::kCPU, at::kDouble), e = expected.to(at::kDouble);
    const double maxAbs = (a - e).abs().max().item<double>();
    const bool ok = a.sizes() == e.sizes() && ((a - e).abs() <= atol + rtol * e.abs()).all().item<bool>();
    check(ok, what + " (max abs diff " + std::to_string(maxAbs) + ")");
}

}  // namespace

int main() {
    // A GPU, or the CPU with STUDIO_GPU_TEST_ON_CPU=1; without either the test fails (it has not run).
    const c10::Device device = gputest::testDevice();
    g_checks.section("tiny parity model, float32");
    const std::string data = std::string(STUDIO_TEST_DATA_DIR) + "/rfdetr/";
    const PyValue io = readPth(data + "tiny_io.pth").root;
    auto t = [&](const std::string& k) { return io.at(k).asTensor(); };

    LoadedModel tiny = buildModelFromCheckpoint(ModelConfig::tinyFixture(), readCheckpointWeights(data + "tiny_model.pth"));
    RFDetr model = tiny.model;
    model->to(device);
    const at::Tensor images = t("input/images").to(device);
    {
        torch::NoGradGuard noGrad;
        model->eval();
        ModelOutput out = model->forward(images);
        close("eval pred_logits", out.final.logits, t("eval/pred_logits"));
        close("eval pred_boxes", out.final.boxes, t("eval/pred_boxes"));
        close("eval enc pred_logits", out.enc->logits, t("eval/enc_outputs/pred_logits"));
        close("eval aux0 pred_boxes", out.aux.at(0).boxes, t("eval/aux_outputs/0/pred_boxes"));
        model->train();
        ModelOutput tr = model->forward(images);
        close("train pred_logits (3 groups)", tr.final.logits, t("train/pred_logits"));
        close("train enc pred_boxes", tr.enc->boxes, t("train/enc_outputs/pred_boxes"));
        model->eval();
        ModelOutput r96 = model->forward(t("alt_res/96/images").to(device));
        close("96 px pred_logits", r96.final.logits, t("alt_res/96/pred_logits"));
    }
    g_checks.section("tiny model, bf16 autocast");
    {
        model->train();
        ModelTrace trace;
        ModelOutput out;
        {
            AutocastGuard autocast(device.type(), true);
            out = model->forward(images, {}, &trace);
        }
        at::Tensor loss = out.final.logits.to(at::kFloat).sum() + out.final.boxes.sum() + out.enc->boxes.sum();
        loss.backward();
        bool finite = true;
        for (const auto& p : model->parameters())
            if (p.grad().defined()) finite = finite && at::isfinite(p.grad()).all().item<bool>();
        check(finite && at::isfinite(out.final.logits).all().item<bool>(), "bf16 autocast forward + backward finite");
        const at::Tensor ref = t("eval/inter/projector_out0");
        const double rel = ((trace.projectorOut.to(at::kCPU, at::kFloat) - ref).norm() / ref.norm()).item<double>();
        check(rel < 0.05, "bf16 projector output within 5% of float32 (" + std::to_string(rel) + ")");
    }
    g_checks.section("medium, 576 px, batch 2, bf16 autocast, forward + backward");
    {
        RFDetr medium(ModelConfig::forSize(ModelSize::Medium, 4));
        medium->to(device);
        medium->train();
        const at::Tensor x = at::randn({2, 3, 576, 576}, at::TensorOptions().device(device));
        ModelOutput out;
        {
            AutocastGuard autocast(device.type(), true);
            out = medium->forward(x);
        }
        check(out.final.logits.size(1) == 3900 && out.groups == 13, "medium train mode: 3900 queries, 13 groups");
        (out.final.logits.to(at::kFloat).sum() + out.final.boxes.sum()).backward();
        check(medium->classEmbed->weight.grad().defined() && medium->classEmbed->weight.grad().device() == device,
              "medium backward on the test's device");
    }
    return g_checks.finish();
}
