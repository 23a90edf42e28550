// bench_dist: scaling of multi-process training on the CPU (issue 7). The RF-DETR small model at 96 px
// (30 queries) trains S optimiser steps as 1 rank, as 2 Gloo ranks with the gradient all-reduce after
// backward (synchronous), and as 2 ranks with it overlapped with the last backward (OverlappedGradSync).
// Every rank is a thread of this process with one intra-op thread, so on a 2-core machine 1 rank uses one
// core and 2 ranks use both: a fair 1 -> 2 comparison. The three runs are interleaved over R rounds and the
// median of each is reported (the machine is shared). Prints images/s, the scaling efficiency
// (2-rank images/s / (2 x 1-rank images/s)) and the all-reduce's share of the 2-rank step: for the
// synchronous run all of it is exposed; for the overlapped run only the wait after backward is. A
// fourth run, two independent 1-rank trainings side by side, measures what the machine itself gives
// two busy cores (shared caches, memory bandwidth, boost clock): the efficiency "of the ceiling" is the
// part the distributed code answers for.
// With a compression (fp16 or bf16: --grad-compression), a fifth run: 2 ranks overlapped, gradients
// all-reduced in that precision.
// Usage: bench_dist [steps=3] [batch=1] [rounds=3] [compression=none|fp16|bf16]
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/runtime/cpu_runtime_env.h"
#include "bench_util.h"
#include "train/data/synthetic_batch.h"
#include "train/dist/overlapped_grad_sync.h"
#include "train/dist/thread_ranks.h"
#include "train/engine/rank_step.h"

using namespace studio;
using namespace studio::train;

namespace {

using Clock = std::chrono::steady_clock;

struct RankRun {
    double seconds = 0;       // S timed steps (after one warm-up)
    double exposedSeconds = 0;  // of which waiting for the gradient all-reduce
    long long bytes = 0;      // gradient bytes all-reduced per step
    long long bucketsEarly = 0, buckets = 0;
};

RankRun trainSteps(DistContext& dist, RFDetr model, int steps, int batch, int rankSeed, bool overlap) {
    RankStepOptions options;
    options.microBatch = batch;
    options.overlap = overlap;
    RankStep step(dist, *model, options);
    LossLayout layout;
    RankRun r;
    auto* pg = dynamic_cast<ProcessGroupDist*>(&dist);
    OverlappedGradSync* sync = step.overlappedSync();
    auto exposed = [&] { return sync ? sync->stats().exposedS : pg ? pg->timings().gradientSyncS : 0.0; };
    auto bytes = [&] { return sync ? sync->stats().bytes : pg ? pg->timings().gradientBytes : 0LL; };
    for (int s = 0; s <= steps; ++s) {
        const Batch b = syntheticBatch(batch, 96, 4, 6, static_cast<std::uint64_t>(rankSeed * 1000 + s));
        dist.barrier();  // step 0 warms up allocators and the process group
        const double exposedBefore = exposed();
        const long long bytesBefore = bytes();
        const long long earlyBefore = sync ? sync->stats().bucketsEarly : 0;
        const auto t0 = Clock::now();
        step.step(b, layout);
        if (s == 0) continue;
        r.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        r.exposedSeconds += exposed() - exposedBefore;
        r.bytes = bytes() - bytesBefore;
        if (sync) {
            r.bucketsEarly += sync->stats().bucketsEarly - earlyBefore;
            r.buckets += static_cast<long long>(sync->buckets().size());
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

/// 2 ranks (threads, one intra-op thread each); the slower rank's run.
RankRun twoRanks(int steps, int batch, bool overlap, GradCompression compression = GradCompression::None) {
    ProcessGroupOptions options;
    options.gradCompression = compression;
    std::vector<RankRun> runs(2);
    std::vector<RFDetr> models{smallModel(), smallModel()};
    const auto errors = runThreadRanks(2, [&](int r, ProcessGroupDist& dist) {
        at::set_num_threads(1);
        runs[r] = trainSteps(dist, models[r], steps, batch, r + 1, overlap);
    }, options);
    for (const auto& e : errors)
        if (!e.empty()) throw std::runtime_error(e);
    RankRun slow = runs[0].seconds >= runs[1].seconds ? runs[0] : runs[1];
    slow.exposedSeconds = std::max(runs[0].exposedSeconds, runs[1].exposedSeconds);
    return slow;
}

/// 2 independent 1-rank runs side by side (threads, no process group, nothing shared): what this
/// machine gives two ranks when they never communicate. The ceiling for the synchronised runs: two
/// busy cores may share caches, memory bandwidth and clock boost, which no gradient sync can win back.
RankRun twoIndependentRanks(int steps, int batch) {
    std::vector<RankRun> runs(2);
    std::vector<RFDetr> models{smallModel(), smallModel()};
    std::vector<std::string> errors(2);
    std::vector<std::thread> threads;
    for (int r = 0; r < 2; ++r)
        threads.emplace_back([&, r] {
            try {
                at::set_num_threads(1);
                SingleProcessDist single;
                runs[r] = trainSteps(single, models[r], steps, batch, r + 1, false);
            } catch (const std::exception& e) {
                errors[r] = e.what();
            }
        });
    for (auto& t : threads) t.join();
    for (const auto& e : errors)
        if (!e.empty()) throw std::runtime_error(e);
    return runs[0].seconds >= runs[1].seconds ? runs[0] : runs[1];
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    studio::applyCpuRuntimeEnv(argv);  // the trainer's CPU math settings (re-executes once when needed)
    // The ranks are threads of this process: with its own thread pool OpenBLAS would serialise them.
    studio::setOpenBlasThreads(1);
    const int steps = argc > 1 ? std::atoi(argv[1]) : 3;
    const int batch = argc > 2 ? std::atoi(argv[2]) : 1;
    const int rounds = argc > 3 ? std::atoi(argv[3]) : 3;
    const auto compression = parseGradCompression(argc > 4 ? argv[4] : "none");
    if (!compression) {
        std::fprintf(stderr, "bench_dist: compression '%s' is not none, fp16 or bf16\n", argv[4]);
        return 2;
    }
    const bool compressed = *compression != GradCompression::None;
    at::set_num_threads(1);
    std::printf("bench_dist: RF-DETR small, 96 px, 30 queries, batch %d per rank, %d timed steps x %d rounds, "
                "1 intra-op thread per rank, %u cores, load average %.2f\n",
                batch, steps, rounds, std::thread::hardware_concurrency(), bench::loadAverage());
    std::vector<double> one, apart, sync, over, syncShare, overShare, small, smallShare;
    RankRun lastSync, lastOver;
    for (int k = 0; k < rounds; ++k) {
        SingleProcessDist single;
        const RankRun a = trainSteps(single, smallModel(), steps, batch, 0, false);
        one.push_back(steps * batch / a.seconds);
        const RankRun b = twoIndependentRanks(steps, batch);
        apart.push_back(2.0 * steps * batch / b.seconds);
        lastSync = twoRanks(steps, batch, false);
        sync.push_back(2.0 * steps * batch / lastSync.seconds);
        syncShare.push_back(lastSync.exposedSeconds / lastSync.seconds);
        lastOver = twoRanks(steps, batch, true);
        over.push_back(2.0 * steps * batch / lastOver.seconds);
        overShare.push_back(lastOver.exposedSeconds / lastOver.seconds);
        if (compressed) {
            const RankRun c = twoRanks(steps, batch, true, *compression);
            small.push_back(2.0 * steps * batch / c.seconds);
            smallShare.push_back(c.exposedSeconds / c.seconds);
        }
        std::printf("round %d: 1 rank %.3f img/s | 2 independent %.3f img/s | 2 ranks sync %.3f img/s (all-reduce %.1f%%) | 2 ranks overlapped "
                    "%.3f img/s (exposed %.1f%%)\n",
                    k + 1, one.back(), apart.back(), sync.back(), 100 * syncShare.back(), over.back(), 100 * overShare.back());
    }
    const double base = median(one);
    const double mib = static_cast<double>(lastSync.bytes) / (1 << 20);
    std::printf("1 rank            : %.3f images/s (baseline, median of %d)\n", base, rounds);
    const double ceiling = median(apart);
    std::printf("2 independent    : %.3f images/s, machine ceiling %.3f (two ranks that never communicate)\n",
                ceiling, ceiling / (2 * base));
    std::printf("2 ranks, sync     : %.3f images/s, efficiency %.3f (%.3f of the ceiling), all-reduce %.1f%% of the "
                "step (all exposed)\n",
                median(sync), median(sync) / (2 * base), median(sync) / ceiling, 100 * median(syncShare));
    std::printf("2 ranks, overlap  : %.3f images/s, efficiency %.3f (%.3f of the ceiling), exposed all-reduce %.1f%% "
                "of the step; %lld of %lld buckets started inside backward\n",
                median(over), median(over) / (2 * base), median(over) / ceiling, 100 * median(overShare),
                lastOver.bucketsEarly, lastOver.buckets);
    if (compressed)
        std::printf("2 ranks, overlap, %s gradients: %.3f images/s, efficiency %.3f (%.3f of the ceiling), exposed "
                    "all-reduce %.1f%% of the step\n",
                    nameOf(*compression), median(small), median(small) / (2 * base), median(small) / ceiling,
                    100 * median(smallShare));
    std::printf("gradient all-reduce: %.1f MiB per step (fp32), %.0f MiB/s over loopback Gloo (synchronous run)\n",
                mib, mib / (lastSync.exposedSeconds / steps));
    std::printf("overlap / sync throughput: %.3f\n", median(over) / median(sync));
    return 0;
}
