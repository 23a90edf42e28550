// NCCL on the GPU machine (issue 7, item 7; plain executable, label gpu): a 1-rank ProcessGroupDist over
// NCCL (TCPStore rendezvous on loopback, as the launcher's workers form it), its collectives on CUDA
// tensors, the gradient sync (overlapped with backward and after it, fp32 and bf16-compressed), and a
// training smoke test: RF-DETR small trains 3 optimiser steps through the NCCL group (bf16 autocast, the
// gradient all-reduce overlapped with backward) with finite losses that match the same steps without a
// process group. One GPU holds one NCCL rank, so the 2-rank equivalence stays a CPU (Gloo) test.
//   STUDIO_GPU_TEST_ON_CPU=1 runs it on the CPU over Gloo (with a half precision that Gloo sums: fp16 in
//   LibTorch 1.13, none in Debian's 2.14).
#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "base/launch/launcher.h"
#include "gpu_check.h"
#include "train/dist/dist_context.h"
#include "train/data/synthetic_batch.h"
#include "train/dist/overlapped_grad_sync.h"
#include "train/dist/thread_ranks.h"
#include "train/engine/rank_step.h"

using namespace studio;
using namespace studio::train;

namespace {

gputest::Checks g;

RFDetr smallModel(const at::Device& dev) {
    at::manual_seed(0);
    ModelConfig mc = ModelConfig::forSize(ModelSize::Small, 4);
    mc.numQueries = 30;
    RFDetr m(mc);
    m->to(dev);
    return m;
}

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kCPU, at::kDouble) - b.to(at::kCPU, at::kDouble)).abs().max().item<double>();
}

// A 1-rank group; `smallBuckets`: 256-byte gradient buckets (several for the small layers of gradientSync).
std::unique_ptr<ProcessGroupDist> joinAlone(const at::Device& dev, GradCompression compression, bool smallBuckets) {
    ProcessGroupOptions o;
    o.timeoutS = 120;
    if (smallBuckets) o.bucketBytes = 256;
    o.gradCompression = compression;
    return std::make_unique<ProcessGroupDist>(loopbackRank(0, 1, findFreePort("127.0.0.1")), dev, o);
}

// Gradients of three small layers (one never used), averaged by the overlapped sync and after backward.
void gradientSync(ProcessGroupDist& d, const at::Device& dev, bool compressed) {
    const std::string tag = compressed ? std::string(" (") + nameOf(d.gradCompression()) + ")" : "";
    torch::nn::Linear a(6, 16), b(16, 3), unused(16, 3);
    a->to(dev), b->to(dev), unused->to(dev);
    std::vector<at::Tensor> params;
    for (torch::nn::Linear* l : {&unused, &a, &b})
        for (auto& p : (*l)->parameters()) params.push_back(p);
    const at::Tensor x = at::linspace(-1, 1, 24, at::TensorOptions().device(dev)).view({4, 6});
    auto backward = [&] { (b(at::relu(a(x))).pow(2).sum() * 3.0).backward(); };
    backward();
    std::vector<at::Tensor> local;
    for (std::size_t i = 2; i < params.size(); ++i) local.push_back(params[i].grad().clone());
    d.averageGradients(params);
    auto expect = [&](const at::Tensor& t) {
        const auto c = d.gradCompression();
        if (!compressed || c == GradCompression::None) return t;
        return c == GradCompression::Bf16 ? t.to(at::kBFloat16).to(at::kFloat) : t.to(at::kHalf).to(at::kFloat);
    };
    double worst = 0;
    for (std::size_t i = 2; i < params.size(); ++i)
        worst = std::max(worst, maxAbsDiff(params[i].grad(), expect(local[i - 2])));
    g.within("averageGradients over 1 rank gives the rank's gradients" + tag, worst, 0);
    g.check(!params[0].grad().defined(), "a layer no rank used keeps no gradient" + tag);

    for (auto& p : params) p.mutable_grad() = at::Tensor();
    auto sync = d.makeGradientSync(params);
    g.check(sync != nullptr, "the process group overlaps the all-reduce with backward" + tag);
    if (!sync) return;
    sync->armForLastBackward();
    backward();
    sync->finish();
    worst = 0;
    for (std::size_t i = 2; i < params.size(); ++i)
        worst = std::max(worst, maxAbsDiff(params[i].grad(), expect(local[i - 2])));
    g.within("overlapped sync gives the same gradients" + tag, worst, 0);
    const auto* o = dynamic_cast<OverlappedGradSync*>(sync.get());
    g.check(o && o->stats().syncs == 1 && o->stats().bucketsTotal >= 2,
            "the overlapped sync ran once over several buckets" + tag);
}

}  // namespace

int main() {
    const at::Device dev = gputest::testDevice();
    const bool cuda = dev.is_cuda();
    const GradCompression half = cuda ? GradCompression::Bf16 : GradCompression::Fp16;

    g.section("rendezvous and collectives");
    {
        auto d = joinAlone(dev, GradCompression::None, true);
        g.check(d->backendName() == (cuda ? "nccl" : "gloo"), "backend " + d->backendName());
        g.check(d->sumOverRanks(2.5) == 2.5, "sumOverRanks over 1 rank");
        std::vector<at::Tensor> t{at::arange(10, at::TensorOptions().device(dev).dtype(at::kFloat))};
        const at::Tensor before = t[0].clone();
        d->allReduceSum(t);
        g.check(t[0].device() == dev && at::equal(t[0], before), "allReduceSum keeps a CUDA tensor in place");
        d->broadcast(t, 0);
        g.check(at::equal(t[0], before), "broadcast from rank 0");
        const auto all = d->allGather("rank zero");
        g.check(all.size() == 1 && all[0] == "rank zero", "allGather of bytes");
        g.section("gradient sync, fp32");
        gradientSync(*d, dev, false);
    }
    g.section(std::string("gradient sync, ") + nameOf(half) + " compression");
    {
        // NCCL sums both half precisions. A CPU run's Gloo may sum only one (1.13: fp16) or neither (Debian's
        // 2.14): the other one, else the section is skipped with a note.
        std::unique_ptr<ProcessGroupDist> d;
        for (const GradCompression c : {half, GradCompression::Bf16}) {
            try {
                d = joinAlone(dev, c, true);
                break;
            } catch (const DistInitError& e) {
                if (cuda || std::string(e.what()).find("cannot all-reduce") == std::string::npos) throw;
                std::printf("note: %s\n", e.what());
            }
        }
        if (d)
            gradientSync(*d, dev, true);
        else
            std::printf("note: skipped, this Gloo sums neither fp16 nor bf16\n");
    }

    g.section("training smoke test: RF-DETR small, 3 steps through the process group");
    {
        RankStepOptions o;
        o.microBatch = 2;
        o.device = dev;
        o.autocast = cuda;  // bf16, the trainer's default on CUDA
        std::vector<double> grouped, alone;
        at::Tensor groupedParams, aloneParams;
        for (const bool withGroup : {true, false}) {
            RFDetr model = smallModel(dev);
            std::unique_ptr<DistContext> d;
            if (withGroup)
                d = joinAlone(dev, GradCompression::None, false);
            else
                d = std::make_unique<SingleProcessDist>();
            RankStep step(*d, *model, o);
            LossLayout layout;
            for (int s = 0; s < 3; ++s) {
                const StepResult r = step.step(syntheticBatch(4, 128, 4, 5, static_cast<std::uint64_t>(100 + s)), layout);
                g.check(r.finite && !r.outOfMemory, (withGroup ? "group" : "alone") + std::string(" step ") +
                                                        std::to_string(s + 1) + " finite");
                (withGroup ? grouped : alone).push_back(r.packed.sum().item<double>());
            }
            (withGroup ? groupedParams : aloneParams) = step.params().back().detach().to(at::kCPU).clone();
        }
        for (int s = 0; s < 3; ++s) {
            std::printf("   step %d: loss terms sum %.6f through the group, %.6f alone\n", s + 1, grouped[s], alone[s]);
            // GPU kernels (atomics in backward) are not bitwise reproducible: a small relative tolerance.
            g.within("step " + std::to_string(s + 1) + " loss matches the run without a process group",
                     std::abs(grouped[s] - alone[s]) / std::max(1.0, std::abs(alone[s])), cuda ? 2e-3 : 1e-6);
        }
        g.check(grouped.back() < grouped.front() * 1.5, "the loss does not blow up over 3 steps");
        g.within("last parameter after 3 steps matches", maxAbsDiff(groupedParams, aloneParams), cuda ? 1e-3 : 1e-6);
    }
    return g.finish();
}
