// tst_train_loss_curves: numerics of the fast training path stay honest (issue 8). From the same initial
// weights and the same 50 batches of the demo dataset (small model, 384 px, batch 4, no multi-scale, the
// trainer's loader and trainStep), three runs:
//   reference: float32, STUDIO_MODEL_KERNELS=reference (grid_sample deformable attention, eager attention
//              math), the sequential reference matcher;
//   fused32:   float32 with the fused kernels (CUDA deformable attention, SDPA) and the batched matcher;
//   fast:      what the trainer runs on a GPU: fused32 under bf16 autocast.
// Stated tolerances (the relative difference |a - b| / |b| of the total loss):
//   step 1 (same weights, same batch, only the numerics differ): fused32 <= 1e-3, fast <= 3e-2;
//   mean over each window of 10 steps (5 windows; trajectories drift apart as the weights do):
//   fused32 <= 5 %, fast <= 10 %;
//   every step finite on every path. (Each curve's first and last window means are printed too.)
// The tolerances are first estimates, not yet calibrated on a GPU run (the printed curves are for that).
// STUDIO_GPU_TEST_ON_CPU=1 runs a short version (3 steps of 2 images, 128 px, 60 queries) to try it without
// a GPU (there the fused paths fall back to the reference ops, so the curves differ only by the matcher).
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "base/config/run_config.h"
#include "gpu_check.h"
#include "train/engine/loss_log.h"
#include "train/engine/run_setup.h"
#include "train/engine/step_parts.h"
#include "train/engine/trainer.h"
#include "train/loss/set_criterion.h"
#include "train/model/kernel_path.h"

using namespace studio;
using namespace studio::train;

namespace {

struct Path {
    const char* name;
    bool autocast;
    KernelPath kernels;
    MatchCostPath matcher;
};

// Total loss (weighted sum of the terms, as logged) of every step; NaN for a skipped step.
std::vector<double> runCurve(const Path& path, const ModelConfig& mc, const RunConfig& cfg,
                             const c10::Device& device, const std::vector<Batch>& batches) {
    setKernelPath(path.kernels);
    StepParts parts(mc, cfg, device, /*seed=*/7);
    CriterionOptions co;
    co.matcher.costPath = path.matcher;
    SetCriterion criterion(co);
    StepContext ctx = parts.context(criterion, device, path.autocast);
    LossLayout layout;
    std::vector<double> totals;
    for (const Batch& b : batches) {
        const StepResult r = trainStep(ctx, b, 1.0, layout);
        totals.push_back(r.finite ? layout.total(toHostVector(r.packed)) : std::nan(""));
    }
    setKernelPath(std::nullopt);
    return totals;
}

double relative(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-12); }

double windowMean(const std::vector<double>& v, std::size_t first, std::size_t count) {
    double s = 0;
    for (std::size_t i = first; i < first + count; ++i) s += v[i];
    return s / static_cast<double>(count);
}

}  // namespace

int main() {
    gputest::Checks checks;
    const at::Device device = gputest::testDevice();
    const bool cuda = device.is_cuda();
    const int steps = cuda ? 50 : 3, window = cuda ? 10 : 1;

    checks.section("demo data and loader");
    RunConfig cfg = defaultRunConfig(ModelSize::Small);
    cfg.dataset = "demo";
    cfg.device = cuda ? DeviceKind::Cuda : DeviceKind::Cpu;
    cfg.batchSize = cuda ? 4 : 2;
    cfg.gradAccumSteps = 1;
    cfg.resolution = cuda ? 384 : 128;
    cfg.numQueries = cuda ? 300 : 60;
    cfg.multiScale = false;
    cfg.tensorboard = false;
    TrainerParts setup;
    setup.cfg = cfg;
    buildRun(cfg, resolveDatasetFolder(cfg), setup);
    const ModelConfig mc = setup.model->config();
    std::vector<Batch> batches;
    setup.train->seek(0, 0);
    while (static_cast<int>(batches.size()) < steps) {
        std::optional<Batch> b = setup.train->next();
        if (!b) {
            setup.train->seek(static_cast<int>(batches.size()), 0);
            continue;
        }
        setup.train->prepareStep(*b, static_cast<long long>(batches.size()));
        batches.push_back(std::move(*b));
    }
    checks.check(static_cast<int>(batches.size()) == steps && batches[0].images.size(0) == cfg.batchSize,
                 std::to_string(batches.size()) + " batches of " + std::to_string(batches[0].images.size(0)) +
                     " demo images at " + std::to_string(cfg.resolution) + " px");

    const Path reference{"reference", false, KernelPath::Reference, MatchCostPath::Reference};
    const Path fused32{"fused32", false, KernelPath::Auto, MatchCostPath::Auto};
    const Path fast{"fast", true, KernelPath::Auto, MatchCostPath::Auto};
    std::vector<std::vector<double>> curves;
    for (const Path& p : {reference, fused32, fast}) {
        checks.section(std::string(p.name) + " path, " + std::to_string(steps) + " steps");
        curves.push_back(runCurve(p, mc, cfg, device, batches));
    }

    checks.section("compare");
    std::printf("step  reference    fused32       fast\n");
    for (int s = 0; s < steps; ++s)
        std::printf("%4d %10.5f %10.5f %10.5f\n", s + 1, curves[0][s], curves[1][s], curves[2][s]);
    const char* names[] = {"reference", "fused32", "fast"};
    for (int c = 0; c < 3; ++c) {
        bool finite = true;
        for (double v : curves[c]) finite = finite && std::isfinite(v);
        checks.check(finite, std::string(names[c]) + ": every step's loss is finite");
        // Informational: over 50 steps from scratch the loss usually falls, but that is not what this
        // test is about (agreement of the paths is), so it is printed, not checked.
        std::printf("note: %s: mean loss of the first window %.4f, of the last %.4f\n", names[c],
                    windowMean(curves[c], 0, window), windowMean(curves[c], steps - window, window));
    }
    const double stepTol[] = {0, 1e-3, 3e-2}, windowTol[] = {0, 0.05, 0.10};
    for (int c = 1; c < 3; ++c) {
        checks.within(std::string(names[c]) + " vs reference, step 1 (relative)",
                      relative(curves[c][0], curves[0][0]), stepTol[c]);
        for (int w = 0; w + window <= steps; w += window)
            checks.within(std::string(names[c]) + " vs reference, mean of steps " + std::to_string(w + 1) + "-" +
                              std::to_string(w + window) + " (relative)",
                          relative(windowMean(curves[c], w, window), windowMean(curves[0], w, window)),
                          windowTol[c]);
    }
    return checks.finish();
}
