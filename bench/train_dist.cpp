// bench_dist: scaling of multi-process training on the CPU (issue 7). The RF-DETR small model at 96 px
// (30 queries) trains S optimiser steps as 1 rank, then as 2 Gloo ranks (threads of this process, one
// intra-op thread each, so the 2 cores are shared fairly) with the same images per rank and step.
// Prints images/s of both, the scaling efficiency (2-rank throughput / (2 x 1-rank throughput)) and the
// share of the 2-rank step spent in the gradient all-reduce, plus the all-reduce's bytes and bandwidth.
// Usage: bench_dist [steps=3] [batch=1]
#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "base/launch/launcher.h"
#include "bench_util.h"
#include "train/dist/model_broadcast.h"
#include "train/dist/process_group_dist.h"
#include "train/engine/train_step.h"

using namespace studio;
using namespace studio::train;

namespace {

using Clock = std::chrono::steady_clock;

Batch syntheticBatch(int images, int res, int seed) {
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(static_cast<std::uint64_t>(seed));
    Batch b;
    b.images = at::randn({images, 3, res, res}, g) * 0.3;
    for (int i = 0; i < images; ++i) {
        ImageTargets t;
        t.boxes = at::rand({6, 4}, g) * 0.3 + 0.2;
        t.labels = at::randint(1, 4, {6}, g, at::kLong);
        b.targets.push_back(t);
    }
    return b;
}

struct RankRun {
    double seconds = 0;     // S timed steps (after one warm-up)
    double syncSeconds = 0;  // of which gradient all-reduce
    long long syncBytes = 0;
};

RankRun trainSteps(DistContext& dist, RFDetr model, int steps, int batch, int rankSeed) {
    broadcastModule(dist, *model);
    model->train();
    MatcherOptions mo;
    mo.threads = 1;
    CriterionOptions co;
    co.matcher = mo;
    SetCriterion criterion(co, [&dist](double local) { return dist.averageOverRanks(local); });
    std::vector<at::Tensor> params;
    std::vector<AdamWGroup> groups;
    for (auto& p : model->parameters()) {
        if (!p.requires_grad()) continue;
        params.push_back(p);
        groups.push_back({p, 1e-4, 1e-4});
    }
    AdamW optimizer(groups);
    StepContext ctx;
    ctx.model = model.get();
    ctx.criterion = &criterion;
    ctx.optimizer = &optimizer;
    ctx.dist = &dist;
    ctx.params = params;
    ctx.microBatch = batch;
    LossLayout layout;
    RankRun r;
    auto* pg = dynamic_cast<ProcessGroupDist*>(&dist);
    for (int s = 0; s <= steps; ++s) {
        const Batch b = syntheticBatch(batch, 96, rankSeed * 1000 + s);
        if (s == 1) {  // step 0 warms up allocators and the process group
            dist.barrier();
            r.seconds = 0;
        }
        const double before = pg ? pg->timings().gradientSyncS : 0;
        const long long bytesBefore = pg ? pg->timings().gradientBytes : 0;
        const auto t0 = Clock::now();
        trainStep(ctx, b, 1.0, layout);
        if (s >= 1) {
            r.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
            if (pg) {
                r.syncSeconds += pg->timings().gradientSyncS - before;
                r.syncBytes += pg->timings().gradientBytes - bytesBefore;
            }
        }
    }
    return r;
}

RFDetr smallModel() {
    at::manual_seed(0);
    ModelConfig mc = ModelConfig::forSize(ModelSize::Small, 4);
    mc.numQueries = 30;
    return RFDetr(mc);
}

}  // namespace

int main(int argc, char** argv) {
    const int steps = argc > 1 ? std::atoi(argv[1]) : 3;
    const int batch = argc > 2 ? std::atoi(argv[2]) : 1;
    at::set_num_threads(1);
    std::printf("bench_dist: RF-DETR small, 96 px, 30 queries, batch %d per rank, %d timed steps, 1 thread per rank, "
                "%u cores, load average %.2f\n",
                batch, steps, std::thread::hardware_concurrency(), bench::loadAverage());

    SingleProcessDist single;
    const RankRun one = trainSteps(single, smallModel(), steps, batch, 0);
    const double oneRate = steps * batch / one.seconds;

    const int port = findFreePort();
    std::vector<RankRun> runs(2);
    std::vector<RFDetr> models{smallModel(), smallModel()};
    std::vector<std::thread> threads;
    for (int r = 0; r < 2; ++r) {
        threads.emplace_back([&, r] {
            at::set_num_threads(1);
            RankContext rc;
            rc.rank = r;
            rc.localRank = r;
            rc.worldSize = 2;
            rc.localWorldSize = 2;
            rc.masterPort = port;
            ProcessGroupDist dist(rc, c10::Device(c10::kCPU));
            runs[r] = trainSteps(dist, models[r], steps, batch, r + 1);
        });
    }
    for (auto& t : threads) t.join();
    const double twoSeconds = std::max(runs[0].seconds, runs[1].seconds);
    const double twoRate = 2.0 * steps * batch / twoSeconds;
    const double share = runs[0].syncSeconds / runs[0].seconds;
    const double mib = static_cast<double>(runs[0].syncBytes) / steps / (1 << 20);
    std::printf("1 rank : %.3f s/step, %.3f images/s (baseline)\n", one.seconds / steps, oneRate);
    std::printf("2 ranks: %.3f s/step, %.3f images/s\n", twoSeconds / steps, twoRate);
    std::printf("scaling efficiency 1->2 Gloo ranks: %.3f (2-rank images/s / (2 x 1-rank images/s))\n",
                twoRate / (2.0 * oneRate));
    std::printf("gradient all-reduce: %.1f MiB per step, %.3f s per step = %.1f%% of the 2-rank step "
                "(%.0f MiB/s algorithm bandwidth)\n",
                mib, runs[0].syncSeconds / steps, 100.0 * share, mib / (runs[0].syncSeconds / steps));
    return 0;
}
