// bench_model_forward: RF-DETR forward (inference: eval, 1 group) and forward+backward (training: 13 groups)
// time per image for each model size on the current device; on CUDA also under bf16 autocast.
// Baseline measured in the same run: a dense float32 GEMM, so every model time is also printed as the
// fraction of the device's matmul throughput it reaches (analytic MACs / time vs GEMM MACs / time).
//
//   bench_model_forward [--sizes nano,small,medium,large] [--resolution PX] [--batch N] [--iters N]
//                       [--device auto|cpu|cuda] [--no-train] [--no-bf16]
// Defaults: CUDA: native resolution, batch 8, 10 iterations; CPU: 256 px, batch 1, 2 iterations.
#include <chrono>
#include <cstdio>
#include <optional>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include "base/runtime/cpu_runtime_env.h"
#include "bench_args.h"
#include "train/model/autocast_guard.h"
#include "bench_device.h"
#include "train/model/predictor.h"
#include "train/model/rfdetr.h"

using namespace studio;
using namespace studio::train;

namespace {

struct Options {
    std::vector<ModelSize> sizes{ModelSize::Nano, ModelSize::Small, ModelSize::Medium, ModelSize::Large};
    int resolution = 0;
    int batch = 0;
    int iters = 0;
    std::string device = "auto";
    bool train = true;
    bool bf16 = true;
};

void sync(const c10::Device& d) {
    if (d.is_cuda()) torch::cuda::synchronize(d.index());
}

double seconds(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Median-free mean of `iters` timed runs after one warm-up.
template <typename F>
double timeIt(const c10::Device& d, int iters, F&& f) {
    f();
    sync(d);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) f();
    sync(d);
    return seconds(t0) / iters;
}

// Multiply-accumulates of one inference forward (dominant terms: ViT linears + attention, projector,
// decoder), per image. Used only to express speed as a fraction of GEMM throughput.
double forwardMacs(const ModelConfig& c, int res) {
    const double grid = res / c.patchSize, n = grid * grid, w = c.vitWidth;
    const double windowTokens = n / (c.numWindows * c.numWindows) + 1;
    double macs = n * 3 * c.patchSize * c.patchSize * w;  // patch embedding
    for (int l = 0; l < c.layersToRun(); ++l) {
        const double tokens = n + c.numWindows * c.numWindows;
        macs += tokens * (4 * w * w + 2 * w * w * c.vitMlpRatio);
        const double span = c.fullAttention(l) ? tokens : windowTokens;
        macs += 2 * tokens * span * w;
    }
    const double taps = c.outFeatureIndexes.size() * w, d = c.hiddenDim, h = d / 2;
    macs += n * (taps * d + 3 * 2 * 9 * h * h + (2 + 3) * h * d);   // C2f
    const double q = c.numQueries;
    macs += n * (d * d + d * d * 2 + d * 4 + d * c.numClassLogits);  // two-stage head (group 0)
    macs += c.decoderLayers * (q * (4 * d * d + 2 * q * d + 2 * d * c.dimFeedforward + 2 * d * d) + n * d * d);
    return macs;
}

Options parse(int argc, char** argv) {
    Options o;
    bench::Args args("bench_model_forward", argc, argv);
    while (args.next()) {
        if (args.is("--sizes")) o.sizes = args.sizes();
        else if (args.is("--resolution")) o.resolution = args.number();
        else if (args.is("--batch")) o.batch = args.number();
        else if (args.is("--iters")) o.iters = args.number();
        else if (args.is("--device")) o.device = args.value();
        else if (args.is("--no-train")) o.train = false;
        else if (args.is("--no-bf16")) o.bf16 = false;
        else {
            std::fprintf(stderr, "usage: bench_model_forward [--sizes LIST] [--resolution PX] [--batch N] [--iters N] "
                                 "[--device auto|cpu|cuda] [--no-train] [--no-bf16]\n");
            std::exit(args.is("--help") ? 0 : 2);
        }
    }
    if (o.resolution % 32) args.fail("--resolution must be a multiple of 32");
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    studio::applyCpuRuntimeEnv(argv);  // the trainer's CPU math settings (re-executes once when needed)
    if (!std::getenv("OMP_NUM_THREADS")) at::set_num_threads(static_cast<int>(std::thread::hardware_concurrency()));
    Options o = parse(argc, argv);
    const std::optional<c10::Device> resolved = bench::benchDevice("bench_model_forward", o.device);
    if (!resolved) return 1;
    const c10::Device device = *resolved;
    const bool cuda = device.is_cuda();
    if (!o.batch) o.batch = cuda ? 8 : 1;
    if (!o.iters) o.iters = cuda ? 10 : 2;
    const bool bf16 = cuda && o.bf16;
    std::printf("bench_model_forward: device %s, %d threads, batch %d, %d iterations\n", device.str().c_str(),
                at::get_num_threads(), o.batch, o.iters);

    // Baseline: float32 GEMM throughput on this device (2048^3 on CUDA, 512^3 on CPU).
    const int64_t m = cuda ? 4096 : 512;
    at::Tensor a = at::randn({m, m}, at::TensorOptions().device(device)), b = at::randn({m, m}, a.options());
    const double gemmS = timeIt(device, cuda ? 20 : 5, [&] { at::mm(a, b); });
    const double gemmMacsPerS = double(m) * m * m / gemmS;
    std::printf("baseline: fp32 GEMM %lldx%lld: %.2f ms, %.1f GMAC/s\n", static_cast<long long>(m),
                static_cast<long long>(m), gemmS * 1e3, gemmMacsPerS / 1e9);
    at::Tensor ab = a.to(at::kBFloat16), bb = b.to(at::kBFloat16);
    double gemmBf16MacsPerS = 0;
    if (bf16) {
        const double s = timeIt(device, 20, [&] { at::mm(ab, bb); });
        gemmBf16MacsPerS = double(m) * m * m / s;
        std::printf("baseline: bf16 GEMM: %.2f ms, %.1f GMAC/s\n", s * 1e3, gemmBf16MacsPerS / 1e9);
    }

    std::printf("\n%-7s %5s %-5s %14s %14s %12s %10s\n", "size", "px", "dtype", "fwd ms/img", "fwd+bwd ms/img",
                "bwd/fwd", "fwd/GEMM");
    for (ModelSize size : o.sizes) {
        ModelConfig config = ModelConfig::forSize(size, 91);
        const int res = o.resolution ? o.resolution : (cuda ? config.resolution : 256);
        RFDetr model(config);
        model->to(device);
        at::Tensor images = at::randn({o.batch, 3, res, res}, at::TensorOptions().device(device));
        const double macs = forwardMacs(config, res);
        for (int precision = 0; precision < (bf16 ? 2 : 1); ++precision) {
            const bool low = precision == 1;
            model->eval();
            const double fwd = timeIt(device, o.iters, [&] {
                torch::NoGradGuard noGrad;
                AutocastGuard autocast(device.type(), low);
                model->forward(images);
            }) / o.batch;
            double step = 0;
            if (o.train) {
                model->train();
                step = timeIt(device, o.iters, [&] {
                    AutocastGuard autocast(device.type(), low);
                    ModelOutput out = model->forward(images);
                    at::Tensor loss = out.final.logits.sum() + out.final.boxes.sum() + out.enc->boxes.sum();
                    for (const auto& x : out.aux) loss = loss + x.logits.sum();
                    loss.to(at::kFloat).backward();
                    model->zero_grad();
                }) / o.batch;
            }
            const double fraction = macs / fwd / (low ? gemmBf16MacsPerS : gemmMacsPerS);
            std::printf("%-7s %5d %-5s %14.2f %14s %12s %9.1f%%\n", nameOf(size), res, low ? "bf16" : "fp32", fwd * 1e3,
                        o.train ? std::to_string(step * 1e3).substr(0, std::to_string(step * 1e3).find('.') + 3).c_str() : "-",
                        o.train ? std::to_string(step / fwd).substr(0, 4).c_str() : "-", 100 * fraction);
        }
    }
    std::printf("\nfwd: eval mode, 1 query group, no grad. fwd+bwd: train mode, %d query groups, backward of a sum "
                "of all outputs (the criterion is not included). fwd/GEMM: analytic MACs per second as a share of "
                "the GEMM baseline.\n",
                ModelConfig().groupDetr);
    return 0;
}
