// bench_ms_deform_attn: the fused deformable attention against its baseline, the grid_sample reference
// (rfdetr's ms_deform_attn_core_pytorch), measured in the same run:
//  1. the op alone at RF-DETR medium's decoder shape (3900 training queries, 16 heads x 16 channels,
//     1 level of 36x36 at 576 px, 2 points): forward, and forward + backward; float32 and (CUDA) bf16;
//  2. (CUDA, unless --no-model) a medium training step (forward + backward, bf16 autocast, batch 8 at
//     576 px) with the reference path, with the fused deformable attention, and with the fused path plus
//     SDPA vs the eager attention math: ms per step, images/s, ratio against the reference step.
// On the CPU the fused op is the kernels' host twin (single pass, ATen threads).
//
//   bench_ms_deform_attn [--device auto|cpu|cuda] [--batch N] [--model-batch N] [--iters N] [--no-model]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include "bench_args.h"
#include "train/model/autocast_guard.h"
#include "train/model/kernel_path.h"
#include "train/model/ms_deform_attn_core.h"
#include "train/model/ms_deform_attn_function.h"
#include "train/model/rfdetr.h"

using namespace studio;
using namespace studio::train;

namespace {

struct Options {
    std::string device = "auto";
    int batch = 0, modelBatch = 8, iters = 0;
    bool model = true;
};

Options parse(int argc, char** argv) {
    Options o;
    bench::Args args("bench_ms_deform_attn", argc, argv);
    while (args.next()) {
        if (args.is("--device")) o.device = args.value();
        else if (args.is("--batch")) o.batch = args.number();
        else if (args.is("--model-batch")) o.modelBatch = args.number();
        else if (args.is("--iters")) o.iters = args.number();
        else if (args.is("--no-model")) o.model = false;
        else {
            std::fprintf(stderr, "usage: bench_ms_deform_attn [--device auto|cpu|cuda] [--batch N] [--model-batch N] "
                                 "[--iters N] [--no-model]\n");
            std::exit(args.is("--help") ? 0 : 2);
        }
    }
    return o;
}

void sync(const c10::Device& d) {
    if (d.is_cuda()) torch::cuda::synchronize(d.index());
}

// Mean seconds of `iters` runs after one warm-up.
template <typename F>
double timeIt(const c10::Device& d, int iters, F&& f) {
    f();
    sync(d);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) f();
    sync(d);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / iters;
}

using CoreOp = at::Tensor (*)(const at::Tensor&, const SpatialShapes&, const at::Tensor&, const at::Tensor&);

void benchOp(const c10::Device& dev, int batch, int iters, at::ScalarType valueType) {
    const int64_t queries = 3900, heads = 16, channels = 16, points = 2, side = 36;
    const SpatialShapes shapes{{side, side}};
    const auto opts = at::TensorOptions().device(dev);
    at::manual_seed(0);
    const at::Tensor value = at::randn({batch, side * side, heads, channels}, opts).to(valueType).requires_grad_(true);
    const at::Tensor loc = at::rand({batch, queries, heads, 1, points, 2}, opts).requires_grad_(true);
    const at::Tensor weights =
        at::softmax(at::randn({batch, queries, heads, points}, opts), -1).view({batch, queries, heads, 1, points});
    weights.requires_grad_(true);
    const at::Tensor gradOut = at::randn({batch, queries, heads * channels}, opts).to(valueType);
    double ms[2][2];
    const CoreOp ops[2] = {&msDeformAttnReference, &msDeformAttnFused};
    // bf16 runs under autocast, as in the model: grid_sample then promotes to float32 (mixed input types
    // are an error without it), the fused op reads the bf16 value as it is.
    const bool autocast = valueType != at::kFloat;
    for (int k = 0; k < 2; ++k) {
        ms[k][0] = 1e3 * timeIt(dev, iters, [&] {
                       torch::NoGradGuard noGrad;
                       AutocastGuard guard(dev.type(), autocast);
                       ops[k](value, shapes, loc, weights);
                   });
        ms[k][1] = 1e3 * timeIt(dev, iters, [&] {
                       at::Tensor out;
                       {
                           AutocastGuard guard(dev.type(), autocast);
                           out = ops[k](value, shapes, loc, weights);
                       }
                       out.backward(gradOut.to(out.scalar_type()));
                   });
    }
    std::printf("op  %-5s batch %2d  forward: reference %8.3f ms  fused %8.3f ms  speed-up %5.2fx   "
                "forward+backward: reference %8.3f ms  fused %8.3f ms  speed-up %5.2fx\n",
                valueType == at::kBFloat16 ? "bf16" : "fp32", batch, ms[0][0], ms[1][0], ms[0][0] / ms[1][0],
                ms[0][1], ms[1][1], ms[0][1] / ms[1][1]);
    std::fflush(stdout);
}

void benchModel(const c10::Device& dev, int batch, int iters) {
    at::manual_seed(0);
    RFDetr model(ModelConfig::forSize(ModelSize::Medium, 4));
    model->to(dev);
    model->train();
    const at::Tensor images = at::randn({batch, 3, 576, 576}, at::TensorOptions().device(dev));
    auto step = [&] {
        model->zero_grad();
        ModelOutput out;
        {
            AutocastGuard autocast(dev.type(), dev.is_cuda());
            out = model->forward(images);
        }
        (out.final.logits.to(at::kFloat).sum() + out.final.boxes.to(at::kFloat).sum()).backward();
    };
    struct Config {
        const char* name;
        KernelPath deform, attention;
    };
    const Config configs[] = {{"reference (grid_sample, eager attention)", KernelPath::Reference, KernelPath::Reference},
                              {"fused deformable attention, eager attention", KernelPath::Fused, KernelPath::Reference},
                              {"fused deformable attention + SDPA (auto)", KernelPath::Auto, KernelPath::Auto}};
    double base = 0;
    for (const Config& c : configs) {
        setKernelPath(KernelOp::DeformAttn, c.deform);
        setKernelPath(KernelOp::Attention, c.attention);
        const double s = timeIt(dev, iters, step);
        if (base == 0) base = s;
        std::printf("model medium train step (fwd+bwd%s, batch %d, 576 px) %-46s %8.1f ms  %7.1f img/s  x%.2f vs reference\n",
                    dev.is_cuda() ? ", bf16 autocast" : "", batch, c.name, 1e3 * s, batch / s, base / s);
        std::fflush(stdout);
    }
    setKernelPath(std::nullopt);
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    const bool cuda = o.device == "cuda" || (o.device == "auto" && torch::cuda::is_available());
    if (cuda && !torch::cuda::is_available()) {
        std::fprintf(stderr, "--device cuda: no CUDA device\n");
        return 1;
    }
    const c10::Device dev = cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    const int batch = o.batch > 0 ? o.batch : (cuda ? 16 : 1);
    const int iters = o.iters > 0 ? o.iters : (cuda ? 20 : 3);
    std::printf("bench_ms_deform_attn on %s: %s\n", cuda ? "cuda" : "cpu", describeKernelPaths(cuda).c_str());
    std::printf("baseline: the grid_sample reference path, same shapes, same run\n");
    if (cuda && !msdaCudaKernelsCompiled()) {
        std::fprintf(stderr, "this build has no CUDA kernels: nothing to compare\n");
        return 1;
    }
    benchOp(dev, batch, iters, at::kFloat);
    if (cuda) benchOp(dev, batch, iters, at::kBFloat16);
    if (cuda && o.model) benchModel(dev, o.modelBatch, std::max(3, iters / 4));
    return 0;
}
