// bench_matcher: Hungarian matching of one RF-DETR Medium training step (batch 16 x 13 groups x 5
// output sets x 300 queries, 20 targets per image, 4 logits = 1040 assignment problems). Prints, in
// one run: the batched path (fused cost kernel handing row minima to the LSAP, parallel solves) on
// the pool and on one thread; the same path without the row-minimum shortcut, interleaved with
// it; the cost kernel per instruction set and the cost / LSAP split on one thread (thread CPU
// time); the sequential reference path; scipy's linear_sum_assignment looping over the same cost
// blocks (python3 subprocess, when python3 has scipy); and the target line. Wall times
// suffer from other processes on a shared machine: the CPU times are the steadier figure.
//   bench_matcher [--device cpu|cuda] [--path auto|fused|tensor] [--threads N] [--repeats N]
//                 [--scenario clustered|random]
//                 [--batch 16] [--groups 13] [--queries 300] [--targets 20] [--classes 4]
//                 [--outputs 5]
//                 [--no-reference] [--no-scipy]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <time.h>
#include <unistd.h>

#include "train/loss/fused_match_cost.h"
#include "train/loss/hungarian_matcher.h"
#include "train/loss/lsap.h"

using namespace studio::train;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
    std::string device = "cpu", scenario = "clustered", path = "auto";
    int threads = 0, repeats = 20, batch = 16, groups = 13, queries = 300, targets = 20,
        classes = 4, outputs = 5;
    bool reference = true, scipy = true;
};

double ms(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}
// CPU time of the calling thread (ms): the component timings are not inflated by other processes.
double processCpuMs() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return 1e3 * static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_nsec);
}
double threadCpuMs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return 1e3 * static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_nsec);
}
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}
std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string one;
    in >> one;
    return one.empty() ? "?" : one;
}

// Targets anywhere in the image; a third of the predictions are jittered copies of targets (queries
// compete for the same objects, as in training), the rest random ("random": all random).
void makeStep(const Args& a, std::vector<DetectionOutput>& outs, std::vector<ImageTargets>& tg,
              const at::Device& dev) {
    at::manual_seed(42);
    for (int b = 0; b < a.batch; ++b)
        tg.push_back({at::rand({a.targets, 4}) * 0.5 + 0.2,
                      at::randint(0, a.classes, {a.targets}, at::kLong)});
    const int nq = a.groups * a.queries;
    for (int o = 0; o < a.outputs; ++o) {
        auto logits = at::randn({a.batch, nq, a.classes}) * 2;
        auto boxes = at::rand({a.batch, nq, 4}) * 0.6 + 0.1;
        if (a.scenario == "clustered") {
            const auto pick = at::randint(0, a.targets, {a.batch, nq / 3}, at::kLong);
            for (int b = 0; b < a.batch; ++b)
                boxes[b]
                    .narrow(0, 0, nq / 3)
                    .copy_(tg[b].boxes.index_select(0, pick[b]) + at::randn({nq / 3, 4}) * 0.02);
            boxes = boxes.index_select(1, at::randperm(nq, at::kLong));
        }
        outs.push_back({logits.to(dev), boxes.to(dev)});
    }
}

bool sameMatches(const MatchIndices& x, const MatchIndices& y) {
    return at::equal(x.queryIdx, y.queryIdx) && at::equal(x.targetIdx, y.targetIdx) &&
           x.perImage == y.perImage;
}

std::string findPythonWithScipy() {
    for (const char* py : {"python3", "/usr/bin/python3"}) {
        const std::string cmd = std::string(py) + " -c 'import scipy.optimize' >/dev/null 2>&1";
        if (std::system(cmd.c_str()) == 0)
            return py;
    }
    return "";
}

// scipy over the same [Q, n] blocks (float32, converted to float64 as scipy does for the
// reference's float32 tensors). wallMs < 0 when it could not run.
struct ScipyRun {
    double wallMs = -1, cpuMs = -1, totalCost = 0;
};

ScipyRun runScipy(const std::string& python, const std::vector<float>& blocks, int problems, int q,
                  int n) {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string base = (dir / ("bench_matcher_" + std::to_string(getpid()))).string();
    {
        std::ofstream out(base + ".f32", std::ios::binary);
        out.write(reinterpret_cast<const char*>(blocks.data()),
                  static_cast<std::streamsize>(blocks.size() * 4));
    }
    std::ofstream(base + ".py")
        << "import sys, time, numpy as np\n"
        << "from scipy.optimize import linear_sum_assignment\n"
        << "p, q, n = " << problems << ", " << q << ", " << n << "\n"
        << "c = np.fromfile(sys.argv[1], dtype=np.float32).reshape(p, q, n)\n"
        << "t0, c0 = time.perf_counter(), time.process_time()\n"
        << "res = [linear_sum_assignment(c[i].astype(np.float64)) for i in range(p)]\n"
        << "t1, c1 = time.perf_counter(), time.process_time()\n"
        << "total = sum(float(c[i][r, k].astype(np.float64).sum()) for i, (r, k) in "
           "enumerate(res))\n"
        << "print((t1 - t0) * 1e3, (c1 - c0) * 1e3, repr(total))\n";
    const std::string cmd = python + " " + base + ".py " + base + ".f32";
    ScipyRun run;
    if (FILE* pipe = popen(cmd.c_str(), "r")) {
        if (std::fscanf(pipe, "%lf %lf %lf", &run.wallMs, &run.cpuMs, &run.totalCost) != 3)
            run.wallMs = -1;
        pclose(pipe);
    }
    std::filesystem::remove(base + ".f32");
    std::filesystem::remove(base + ".py");
    return run;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (k == "--device")
            a.device = next();
        else if (k == "--path")
            a.path = next();
        else if (k == "--scenario")
            a.scenario = next();
        else if (k == "--threads")
            a.threads = std::stoi(next());
        else if (k == "--repeats")
            a.repeats = std::max(1, std::stoi(next()));
        else if (k == "--batch")
            a.batch = std::stoi(next());
        else if (k == "--groups")
            a.groups = std::stoi(next());
        else if (k == "--queries")
            a.queries = std::stoi(next());
        else if (k == "--targets")
            a.targets = std::stoi(next());
        else if (k == "--classes")
            a.classes = std::stoi(next());
        else if (k == "--outputs")
            a.outputs = std::stoi(next());
        else if (k == "--no-reference")
            a.reference = false;
        else if (k == "--no-scipy")
            a.scipy = false;
        else {
            std::fprintf(
                stderr,
                "bench_matcher: unknown option %s (see the header of bench/train_matcher.cpp)\n",
                k.c_str());
            return 2;
        }
    }
    if (!std::getenv("OMP_NUM_THREADS"))
        at::set_num_threads(static_cast<int>(std::thread::hardware_concurrency()));
    if (a.device == "cuda" && !at::hasCUDA()) {
        std::fprintf(stderr,
                     "bench_matcher: --device cuda, but this LibTorch has no CUDA device\n");
        return 1;
    }
    const at::Device dev = a.device == "cuda" ? at::Device(at::kCUDA) : at::Device(at::kCPU);
    std::vector<DetectionOutput> outs;
    std::vector<ImageTargets> tg;
    makeStep(a, outs, tg, dev);
    std::vector<const DetectionOutput*> sets;
    for (const auto& o : outs)
        sets.push_back(&o);
    const int problems = a.outputs * a.batch * a.groups;

    MatcherOptions options;
    options.threads = a.threads;
    options.costPath = a.path == "fused"    ? MatchCostPath::Fused
                       : a.path == "tensor" ? MatchCostPath::Tensor
                                            : MatchCostPath::Auto;
    HungarianMatcher matcher(options);
    // Last session's batched path (no row-minimum shortcut) and the new path on one thread, run
    // interleaved with the new path so that the load of other processes hits all alike.
    MatcherOptions previousOptions = options;
    previousOptions.rowMinShortcut = false;
    HungarianMatcher previous(previousOptions);
    MatcherOptions oneThreadOptions = options;
    oneThreadOptions.threads = 1;
    HungarianMatcher oneThread(oneThreadOptions);
    const bool fusedCost = a.path == "fused" || (a.path == "auto" && dev.is_cpu());
    std::printf(
        "bench_matcher: batch %d x groups %d x outputs %d x queries %d, %d targets/image, %d "
        "logits "
        "(%d assignment problems of %dx%d), scenario %s\n",
        a.batch, a.groups, a.outputs, a.queries, a.targets, a.classes, problems, a.queries,
        a.targets, a.scenario.c_str());
    std::printf(
        "machine: %s, %u hardware threads, %d solver threads, ATen threads %d, load average %s\n",
        a.device.c_str(), std::thread::hardware_concurrency(), matcher.threads(),
        at::get_num_threads(), loadAverage().c_str());

    // Wall time is the latency a training step sees; process CPU time (all threads) is the work,
    // which stays comparable when other processes load the machine.
    struct Timing {
        std::vector<double> wall, cpu;
        std::vector<MatchIndices> last;
        void run(HungarianMatcher& m, const std::vector<const DetectionOutput*>& sets,
                 const std::vector<ImageTargets>& tg, int groups, bool keep) {
            const auto t0 = Clock::now();
            const double c0 = processCpuMs();
            last = m.match(sets, tg, groups);
            const double c1 = processCpuMs();
            const auto t1 = Clock::now();
            if (keep) {
                wall.push_back(ms(t0, t1));
                cpu.push_back(c1 - c0);
            }
        }
        double minWall() const { return *std::min_element(wall.begin(), wall.end()); }
    } now, before, single;
    for (int r = 0; r < a.repeats + 2; ++r) {
        now.run(matcher, sets, tg, a.groups, r >= 2);
        before.run(previous, sets, tg, a.groups, r >= 2);
        single.run(oneThread, sets, tg, a.groups, r >= 2);
    }
    const std::vector<MatchIndices>& fast = now.last;
    const double fastMs = median(now.wall), fastCpuMs = median(now.cpu);
    bool sameAsBefore = true;
    for (std::size_t i = 0; i < fast.size(); ++i)
        sameAsBefore = sameAsBefore && sameMatches(fast[i], before.last[i]) &&
                       sameMatches(fast[i], single.last[i]);
    std::printf(
        "batched path (%s cost, parallel LSAP, row-minimum shortcut): wall median %.2f ms (min "
        "%.2f), CPU median %.2f ms, over %d runs\n",
        fusedCost ? "fused CPU" : "tensor", fastMs, now.minWall(), fastCpuMs, a.repeats);
    std::printf(
        "  same on 1 thread: wall median %.2f ms (min %.2f), CPU median %.2f ms\n",
        median(single.wall), single.minWall(), median(single.cpu));
    std::printf(
        "same path without the row-minimum shortcut (interleaved): wall median %.2f ms (min %.2f), CPU "
        "median %.2f ms -> the shortcut makes it %.2fx faster (wall), %.2fx less CPU; matches identical: %s\n",
        median(before.wall), before.minWall(), median(before.cpu), median(before.wall) / fastMs,
        median(before.cpu) / fastCpuMs, sameAsBefore ? "yes" : "NO");

    // Components on one thread, each block computed into the solver's (cache-resident) working
    // matrix as the matcher does: the fused cost blocks, then the solver with and without the row
    // minima.
    std::vector<float> blocks(static_cast<std::size_t>(problems) * a.queries * a.targets);
    double costMs = 1e300, solveMs = 1e300, plainSolveMs = 1e300, ourTotal = 0, plainTotal = 0;
    if (fusedCost) {
        std::vector<at::Tensor> logits, boxes;
        for (const auto& o : outs) {
            logits.push_back(o.logits.to(at::kCPU).contiguous());
            boxes.push_back(o.boxes.to(at::kCPU).contiguous());
        }
        const int stride = LsapSolver::workStride(a.queries);
        FusedScratch scratch;
        LsapSolver solver;
        LsapResult result;
        std::vector<LsapRowMin> rowMins(a.targets);
        std::vector<FusedTargets> fusedTargets;
        for (const auto& t : tg)
            fusedTargets.emplace_back(t.boxes.data_ptr<float>(), t.labels.data_ptr<std::int64_t>(),
                                      a.targets);
        std::vector<float> stored(static_cast<std::size_t>(problems) * a.targets * stride);
        std::vector<LsapRowMin> storedMins(static_cast<std::size_t>(problems) * a.targets);
        // Three loops over all problems, thread CPU time each (per-part clocks would cost more than
        // the parts): cost only, cost + LSAP with the row minima, cost + LSAP without them.
        auto forEachProblem = [&](int mode) {
            const double t0 = threadCpuMs();
            double total = 0;
            int p = 0;
            for (int o = 0; o < a.outputs; ++o)
                for (int b = 0; b < a.batch; ++b)
                    for (int g = 0; g < a.groups; ++g, ++p) {
                        const std::int64_t row0 = (std::int64_t{b} * a.groups + g) * a.queries;
                        float* work = solver.prepare(a.targets, a.queries);
                        fusedCostBlock(logits[o].data_ptr<float>() + row0 * a.classes,
                                       boxes[o].data_ptr<float>() + row0 * 4, a.queries,
                                       a.classes, fusedTargets[b], {}, work, stride, scratch,
                                       mode == 2 ? nullptr : rowMins.data());
                        if (mode == 3) {  // once: the blocks as they are, for the width comparison
                            std::copy_n(work, static_cast<std::size_t>(a.targets) * stride,
                                        stored.data() + static_cast<std::size_t>(p) * a.targets * stride);
                            std::copy(rowMins.begin(), rowMins.end(),
                                      storedMins.begin() + static_cast<std::ptrdiff_t>(p) * a.targets);
                        }
                        if (mode == 3) {  // once: the blocks as float [Q, n] for scipy
                            float* dst = blocks.data() +
                                         static_cast<std::size_t>(p) * a.queries * a.targets;
                            for (int t = 0; t < a.targets; ++t)
                                for (int i = 0; i < a.queries; ++i)
                                    dst[i * a.targets + t] = work[t * stride + i];
                        }
                        if (mode == 1 || mode == 2) {
                            solver.solvePrepared(result, mode == 1 ? rowMins.data() : nullptr);
                            total += result.totalCost;
                        }
                    }
            (mode == 1 ? ourTotal : plainTotal) = total;
            return threadCpuMs() - t0;
        };
        // The cost kernel of each instruction set this CPU has (AVX-512: 16 lanes; AVX2 was the
        // previous session's), interleaved, best of 5.
        std::vector<std::pair<std::string, double>> isaMs;
        std::vector<float> isaBlock(static_cast<std::size_t>(a.targets) * stride);
        for (const char* isa : {"avx512", "avx2", "baseline"})
            if (fusedCostBlockOn(isa, logits[0].data_ptr<float>(), boxes[0].data_ptr<float>(),
                                 a.queries, a.classes, fusedTargets[0], {}, isaBlock.data(), stride,
                                 scratch))
                isaMs.emplace_back(isa, 1e300);
        for (int pass = 0; pass < 5; ++pass) {
            for (auto& [isa, best] : isaMs) {
                const double t0 = threadCpuMs();
                for (int o = 0; o < a.outputs; ++o)
                    for (int b = 0; b < a.batch; ++b)
                        for (int g = 0; g < a.groups; ++g) {
                            const std::int64_t row0 = (std::int64_t{b} * a.groups + g) * a.queries;
                            fusedCostBlockOn(isa, logits[o].data_ptr<float>() + row0 * a.classes,
                                             boxes[o].data_ptr<float>() + row0 * 4, a.queries,
                                             a.classes, fusedTargets[b], {}, isaBlock.data(),
                                             stride, scratch, rowMins.data());
                        }
                best = std::min(best, threadCpuMs() - t0);
            }
        }
        std::printf("  fused cost kernel per instruction set (one thread, CPU time, best of 5):");
        for (const auto& [isa, best] : isaMs)
            std::printf(" %s %.2f ms%s", isa.c_str(), best,
                        isa == fusedKernelIsa() ? " (used)" : "");
        std::printf("\n");
        double withMs = 1e300, withoutMs = 1e300;
        forEachProblem(3);  // fills the scipy blocks
        for (int pass = 0; pass < 5; ++pass) {
            costMs = std::min(costMs, forEachProblem(0));
            withMs = std::min(withMs, forEachProblem(1));
            withoutMs = std::min(withoutMs, forEachProblem(2));
        }
        solveMs = std::max(0.0, withMs - costMs);
        plainSolveMs = std::max(0.0, withoutMs - costMs);
        // The LSAP alone at both row-scan widths, on the stored blocks (copied into the solver's
        // working matrix, as the kernel would write them), alternating over 15 passes (medians).
        if (solver.wideScans()) {
            auto solveStored = [&](bool wide) {
                solver.setWideScans(wide);
                const double t0 = threadCpuMs();
                for (int p = 0; p < problems; ++p) {
                    float* work = solver.prepare(a.targets, a.queries);
                    std::copy_n(stored.data() + static_cast<std::size_t>(p) * a.targets * stride,
                                static_cast<std::size_t>(a.targets) * stride, work);
                    solver.solvePrepared(result, storedMins.data() +
                                                     static_cast<std::size_t>(p) * a.targets);
                }
                return threadCpuMs() - t0;
            };
            std::vector<double> wideMs, narrowMs;
            for (int pass = 0; pass < 15; ++pass) {
                wideMs.push_back(solveStored(true));
                narrowMs.push_back(solveStored(false));
            }
            solver.setWideScans(true);
            std::printf("  LSAP alone on the stored blocks (one thread, with row minima, median of 15): "
                        "row scans 8 lanes (AVX-512) %.2f ms, 4 lanes (AVX2) %.2f ms -> %.2fx\n",
                        median(wideMs), median(narrowMs), median(narrowMs) / median(wideMs));
        } else {
            std::printf("  LSAP row scans: 4 lanes (this CPU has no AVX-512)\n");
        }
        std::printf(
            "  components on one thread (thread CPU time, best of 5): fused cost + row minima %.2f ms "
            "(%.2f ns per entry), LSAP with row minima %.2f ms (%.1f us per problem), LSAP "
            "without %.2f ms (%.1f us) -> %.2fx; total cost %.9g vs %.9g\n",
            costMs, 1e6 * costMs / (double(problems) * a.queries * a.targets), solveMs,
            1e3 * solveMs / problems, plainSolveMs, 1e3 * plainSolveMs / problems,
            plainSolveMs / solveMs, ourTotal, plainTotal);
    }

    if (a.reference) {
        // Sequential means one thread for ATen too (OpenMP barriers spin badly on a loaded
        // machine).
        const int atenThreads = at::get_num_threads();
        at::set_num_threads(1);
        double refMs = 1e300, refCpuMs = 1e300;
        bool identical = true;
        for (int r = 0; r < 2; ++r) {
            const auto t0 = Clock::now();
            const double c0 = processCpuMs();
            std::vector<MatchIndices> ref;
            for (const auto& o : outs)
                ref.push_back(HungarianMatcher::matchReference(o, tg, a.groups));
            refCpuMs = std::min(refCpuMs, processCpuMs() - c0);
            refMs = std::min(refMs, ms(t0, Clock::now()));
            for (std::size_t i = 0; i < ref.size(); ++i)
                identical = identical && sameMatches(ref[i], fast[i]);
        }
        at::set_num_threads(atenThreads);
        std::printf(
            "reference path (ATen cost per image on 1 thread, sequential LSAP; best of 2): wall "
            "%.1f ms, CPU "
            "%.1f ms -> batched path %.1fx faster (wall), %.1fx less CPU; matches identical: %s\n",
            refMs, refCpuMs, refMs / fastMs, refCpuMs / fastCpuMs, identical ? "yes" : "NO");
    }
    if (a.scipy && fusedCost) {
        const std::string python = findPythonWithScipy();
        const ScipyRun run =
            python.empty() ? ScipyRun{} : runScipy(python, blocks, problems, a.queries, a.targets);
        if (run.wallMs < 0) {
            std::printf(
                "scipy: not run (no python3 with scipy; Debian: apt-get install python3-scipy)\n");
        } else {
            std::printf(
                "scipy linear_sum_assignment over the same %d blocks (%s, LSAP only, no cost "
                "computation): wall %.1f ms, CPU %.1f ms -> our LSAP alone on one thread %.1fx "
                "less CPU; batched path %.1fx faster (wall), %.1fx less CPU; total cost %.9g vs "
                "ours %.9g\n",
                problems, python.c_str(), run.wallMs, run.cpuMs, run.cpuMs / solveMs,
                run.wallMs / fastMs, run.cpuMs / fastCpuMs, run.totalCost, ourTotal);
        }
    }
    std::printf(
        "target: single-digit ms at batch 16 x 13 groups x 5 outputs x 20 targets: wall median "
        "%.2f ms, CPU %.2f ms%s\n",
        fastMs, fastCpuMs,
        a.batch == 16 && a.groups == 13 && a.outputs == 5 && a.targets == 20
            ? (fastMs < 10 ? " -> met" : " -> NOT met")
            : " (other shape: not the target's)");
    return sameAsBefore ? 0 : 1;
}
