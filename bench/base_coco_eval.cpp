// bench_coco_eval: COCO bbox evaluation at CommonForms-valid scale (18,195 pages, ~240,584 boxes,
// 100 detections per page = 1.82 M), generated here with a fixed seed. Times loading (ground truth
// and results files) and evaluate + accumulate + summarize, in a child process each (peak memory
// too). Baseline: pycocotools cannot be installed here (no PyPI), so the ratio is against
// cpu-baselines.md P5, measured on this machine class: load 21.4 s, evaluate/accumulate/summarize
// 123.5 s, 3.67 GB. Target >= 5x. Usage: bench_coco_eval [--images N] [--boxes N] [--dets-per-image
// N] [--keep DIR]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "base/coco/coco_index.h"
#include "base/eval/coco_evaluator.h"
#include "base/eval/detections_json.h"
#include "base/eval/extended_metrics.h"
#include "bench_args.h"
#include "bench_util.h"
#include "coco_synth.h"

namespace fs = std::filesystem;

namespace {

/// Detections for every page: jittered copies of most boxes (some with the wrong class), then false
/// positives up to `perImage`, scores random.
std::vector<studio::Detection> synthDetections(const studio::CocoIndex& gt, int perImage,
                                               std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::normal_distribution<double> n(0.0, 1.0);
    std::vector<studio::Detection> out;
    out.reserve(gt.numImages() * static_cast<std::size_t>(perImage));
    for (std::size_t i = 0; i < gt.numImages(); ++i) {
        const std::int64_t id = gt.imageId(i);
        int made = 0;
        for (const studio::CocoBox& b : gt.boxes(i)) {
            if (made >= perImage || u(rng) > 0.85)
                continue;
            const double s = u(rng) < 0.7 ? 0.03 : 0.15;
            const std::int64_t cat =
                u(rng) < 0.9 ? b.categoryId : 1 + static_cast<std::int64_t>(rng() % 3);
            out.push_back({id, cat, b.x + n(rng) * s * b.w, b.y + n(rng) * s * b.h,
                           b.w * (1 + n(rng) * s), b.h * (1 + n(rng) * s), 0.3 + 0.7 * u(rng)});
            ++made;
        }
        const int width = gt.width(i) > 0 ? gt.width(i) : 1700,
                  height = gt.height(i) > 0 ? gt.height(i) : 2200;
        for (; made < perImage; ++made) {
            const double w = 10 + 300 * u(rng), h = 10 + 40 * u(rng);
            out.push_back({id, 1 + static_cast<std::int64_t>(rng() % 3), u(rng) * (width - w),
                           u(rng) * (height - h), w, h, 0.4 * u(rng)});
        }
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t images = 18195, boxes = 240584;
    int perImage = 100;
    std::string keep;
    bench::Args args("bench_coco_eval", argc, argv);
    while (args.next()) {
        if (args.is("--images"))
            images = args.count();
        else if (args.is("--boxes"))
            boxes = args.count();
        else if (args.is("--dets-per-image"))
            perImage = args.number();
        else if (args.is("--keep"))
            keep = args.value();
        else {
            std::fprintf(stderr,
                         "usage: bench_coco_eval [--images N] [--boxes N] [--dets-per-image N] "
                         "[--keep DIR]\n");
            return 2;
        }
    }
    const bench::ScratchDir scratch("bench_coco_eval", keep);
    const fs::path& dir = scratch.path();
    const std::string gtPath = (dir / "_annotations.coco.json").string(),
                      dtPath = (dir / "detections.json").string();
    const auto gen = bench::runInChild([&] {
        bench::writeSynthCoco(gtPath, images, boxes, 7);
        const studio::CocoIndex gt = studio::CocoIndex::load(gtPath);
        studio::saveDetectionsJson(dtPath, synthDetections(gt, perImage, 11));
        return std::string();
    });
    std::printf("generated %llu pages, %llu boxes, %d detections per page (%.1f s) in %s\n",
                static_cast<unsigned long long>(images), static_cast<unsigned long long>(boxes),
                perImage, gen.seconds, dir.string().c_str());

    double evalSeconds = 0;
    const auto run = bench::runInChild([&] {
        const double c0 = bench::processCpuSeconds();
        const auto t0 = std::chrono::steady_clock::now();
        const studio::CocoIndex gt = studio::CocoIndex::load(gtPath);
        std::vector<studio::Problem> problems;
        const std::vector<studio::Detection> dets = studio::loadDetectionsJson(dtPath, problems);
        const auto t1 = std::chrono::steady_clock::now();
        const double c1 = bench::processCpuSeconds();
        const studio::CocoEvaluator evaluator(gt);
        const studio::EvalResult r = evaluator.evaluate(dets);
        const auto t2 = std::chrono::steady_clock::now();
        const double c2 = bench::processCpuSeconds();
        studio::EvalParams rf;
        rf.maxDets = {1, 10, 500};
        const studio::EvalResult r500 = evaluator.evaluate(dets, rf);
        const auto ext = studio::computeExtendedMetrics(r500, gt.categories());
        const auto t3 = std::chrono::steady_clock::now();
        char buf[512];
        std::snprintf(buf, sizeof buf, "%.3f %.3f %.3f %zu %.6f %.6f %.6f %.3f %.3f",
                      std::chrono::duration<double>(t1 - t0).count(),
                      std::chrono::duration<double>(t2 - t1).count(),
                      std::chrono::duration<double>(t3 - t2).count(), dets.size(), r.stats[0],
                      r.stats[1], ext.f1, c1 - c0, c2 - c1);
        return std::string(buf);
    });
    if (!run.ok) {
        std::printf("evaluation failed: %s\n", run.output.c_str());
        return 1;
    }
    double load = 0, rfdetr = 0, ap = 0, ap50 = 0, f1 = 0, loadCpu = 0, evalCpu = 0;
    std::size_t n = 0;
    std::sscanf(run.output.c_str(), "%lf %lf %lf %zu %lf %lf %lf %lf %lf", &load, &evalSeconds,
                &rfdetr, &n, &ap, &ap50, &f1, &loadCpu, &evalCpu);
    std::printf(
        "load ground truth + %zu detections   %7.2f s (CPU %.2f s)   (P5 reference: "
        "pycocotools load 21.4 s -> %.1fx)\n",
        n, load, loadCpu, 21.4 / load);
    std::printf(
        "evaluate+accumulate+summarize        %7.2f s (CPU %.2f s)   (P5 reference: 123.5 s "
        "-> %.1fx; target >= 5x)  AP %.4f AP50 %.4f\n",
        evalSeconds, evalCpu, 123.5 / evalSeconds, ap, ap50);
    std::printf("rfdetr eval (maxDets 1,10,500 + extended metrics) %.2f s  macro-F1 %.4f\n", rfdetr,
                f1);
    std::printf(
        "peak RSS %.0f MiB (P5 reference 3.67 GB); %u hardware threads, load average %.1f\n",
        run.peakMiB, std::thread::hardware_concurrency(), bench::loadAverage());
    return 0;
}
