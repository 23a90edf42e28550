// bench_optimizer: the per-step bookkeeping of the training engine on the real Small model's 487 parameter
// tensors (32.1 M values): AdamW with one group per parameter, EMA of the full state and global-norm
// clipping, each with the engine's multi-tensor (_foreach) implementation against the straightforward
// per-tensor baseline measured in the same run (LibTorch's own torch::optim::AdamW for the optimiser).
// Usage: bench_optimizer [steps=10] [cuda]
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard: ATen.h no longer brings it in 2.x
#include <torch/cuda.h>
#include <torch/optim/adamw.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <thread>

#include "bench_device.h"
#include "train/engine/adamw.h"
#include "train/engine/grad_clip.h"
#include "train/engine/model_ema.h"
#include "train/engine/param_groups.h"
#include "train/model/model_weights.h"
#include "train/model/rfdetr.h"

using namespace studio;
using namespace studio::train;

namespace {
double timeIt(int steps, const std::function<void()>& fn, bool cuda) {
    fn();  // warm-up
    if (cuda) torch::cuda::synchronize();  // the warm-up's kernels finish before the clock starts
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) fn();
    if (cuda) at::zeros({1}, at::kCUDA).item<float>();  // wait for the device
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / steps;
}
void report(const char* what, double engineMs, double baselineMs) {
    std::printf("%-28s engine %8.2f ms   baseline %8.2f ms   speed-up x%.2f\n", what, engineMs, baselineMs,
                baselineMs / engineMs);
}
}  // namespace

int main(int argc, char** argv) {
    if (!std::getenv("OMP_NUM_THREADS")) at::set_num_threads(static_cast<int>(std::thread::hardware_concurrency()));
    const int steps = argc > 1 ? std::atoi(argv[1]) : 10;
    const bool cuda = argc > 2 && std::strcmp(argv[2], "cuda") == 0;
    const std::optional<c10::Device> resolved = bench::benchDevice("bench_optimizer", cuda ? "cuda" : "cpu");
    if (!resolved) return 1;
    const at::Device device = *resolved;
    RFDetr model(ModelConfig::forSize(ModelSize::Small));
    RFDetr emaModel(ModelConfig::forSize(ModelSize::Small));
    model->to(device);
    emaModel->to(device);
    std::vector<std::string> names;
    std::vector<at::Tensor> params;
    for (const auto& p : model->named_parameters()) {
        names.push_back(p.key());
        params.push_back(p.value());
    }
    for (auto& p : params) p.mutable_grad() = at::randn_like(p) * 1e-3;
    std::printf("bench_optimizer: %zu tensors, %lld values, %s, %d steps, %d threads\n", params.size(),
                static_cast<long long>(model->parameterCount()), cuda ? "CUDA" : "CPU", steps, at::get_num_threads());

    // AdamW: engine (one _foreach pass over all groups) vs torch::optim::AdamW (one group per parameter).
    const auto groups = buildParamGroups(names, lrRecipeFrom(defaultRunConfig(ModelSize::Small)));
    std::vector<AdamWGroup> mine;
    std::vector<torch::optim::OptimizerParamGroup> ref;
    std::vector<at::Tensor> refParams;
    for (const auto& g : groups) {
        mine.push_back({params[g.paramIndex], g.lr, g.weightDecay});
        at::Tensor q = params[g.paramIndex].detach().clone().requires_grad_(true);
        q.mutable_grad() = params[g.paramIndex].grad().clone();
        refParams.push_back(q);
        ref.emplace_back(std::vector<at::Tensor>{q}, std::make_unique<torch::optim::AdamWOptions>(
                                                         torch::optim::AdamWOptions(g.lr).weight_decay(g.weightDecay)));
    }
    AdamW adamw(mine);
    torch::optim::AdamW refAdamw(ref, torch::optim::AdamWOptions(1e-4));
    const double adamMs = timeIt(steps, [&] { adamw.step(); }, cuda);
    const double refAdamMs = timeIt(steps, [&] { refAdamw.step(); }, cuda);
    report("AdamW step", adamMs, refAdamMs);

    // EMA of the full state.
    ModelEma ema(modelStateDict(*emaModel), modelStateDict(*model), 0.993, 100);
    const double emaMs = timeIt(steps, [&] { ema.update(); }, cuda);
    std::vector<at::Tensor> e, m;
    for (auto& [n, t] : modelStateDict(*emaModel)) e.push_back(t);
    for (auto& [n, t] : modelStateDict(*model)) m.push_back(t);
    const double refEmaMs = timeIt(steps, [&] {
        at::NoGradGuard g;
        for (std::size_t i = 0; i < e.size(); ++i) e[i].copy_(e[i] * 0.99 + m[i] * 0.01);  // rfdetr's update_fn
    }, cuda);
    report("EMA update", emaMs, refEmaMs);

    // Global-norm clipping.
    const double clipMs = timeIt(steps, [&] { clipGradNorm(params, 1e9); }, cuda);
    const double refClipMs = timeIt(steps, [&] {
        std::vector<at::Tensor> norms;
        for (auto& p : params) norms.push_back(at::norm(p.grad(), 2));
        const at::Tensor total = at::norm(at::stack(norms), 2);
        const at::Tensor coef = at::clamp_max(1e9 / (total + 1e-6), 1.0);
        for (auto& p : params) p.grad().mul_(coef);
    }, cuda);
    report("clip_grad_norm", clipMs, refClipMs);
    return 0;
}
