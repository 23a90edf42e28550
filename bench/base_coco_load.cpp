// bench_coco_load: loads a CommonForms-size COCO annotation file (436,000 pages, 5,758,832 boxes,
// generated here with a fixed seed) with CocoIndex::load and with Python's json.load in the same
// run, each in its own process, and prints time and peak memory of both and their ratios. Targets
// (cpu-baselines.md P4): >= 10x faster and <= 1/5 of the memory of json.load; <= 6 s, <= 0.95 GB.
// Usage: bench_coco_load [--images N] [--boxes N] [--no-python] [--keep DIR]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "base/coco/coco_index.h"
#include "bench_util.h"
#include "coco_synth.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    std::uint64_t images = 436000, boxes = 5758832;
    bool python = true;
    std::string keep;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--images" && i + 1 < argc)
            images = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--boxes" && i + 1 < argc)
            boxes = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--no-python")
            python = false;
        else if (a == "--keep" && i + 1 < argc)
            keep = argv[++i];
        else {
            std::fprintf(
                stderr,
                "usage: bench_coco_load [--images N] [--boxes N] [--no-python] [--keep DIR]\n");
            return 2;
        }
    }
    const fs::path dir =
        keep.empty() ? fs::temp_directory_path() / ("bench_coco_load." + std::to_string(::getpid()))
                     : fs::path(keep);
    fs::create_directories(dir);
    const std::string json = (dir / "_annotations.coco.json").string();

    const auto g = bench::runInChild(
        [&] { return std::to_string(bench::writeSynthCoco(json, images, boxes, 42)); });
    const double mb = std::strtod(g.output.c_str(), nullptr) / 1e6;
    std::printf("generated %s: %llu images, %llu boxes, %.1f MB (%.1f s)\n", json.c_str(),
                static_cast<unsigned long long>(images), static_cast<unsigned long long>(boxes), mb,
                g.seconds);

    auto loadOnce = [&] {
        return bench::runInChild([&] {
            const studio::CocoIndex idx = studio::CocoIndex::load(json);
            return std::to_string(idx.numImages()) + " " + std::to_string(idx.numBoxes()) + " " +
                   std::to_string(idx.memoryBytes());
        });
    };
    bench::ChildResult ours = loadOnce();
    const bench::ChildResult second = loadOnce();
    if (second.ok && second.seconds < ours.seconds)
        ours = second;
    if (!ours.ok) {
        std::printf("CocoIndex::load failed: %s\n", ours.output.c_str());
        return 1;
    }
    unsigned long long ni = 0, nb = 0, bytes = 0;
    std::sscanf(ours.output.c_str(), "%llu %llu %llu", &ni, &nb, &bytes);
    std::printf(
        "CocoIndex::load      %7.2f s (CPU %.2f s)  peak RSS %7.0f MiB  (index %.0f MiB; %llu "
        "images, "
        "%llu boxes; best of 2; load average %.1f on %u cores)\n",
        ours.seconds, ours.cpuSeconds, ours.peakMiB, bytes / 1048576.0, ni, nb,
        bench::loadAverage(), std::thread::hardware_concurrency());

    // Debian's interpreter (the one cpu-baselines.md measured), not whatever python3 comes first in
    // PATH.
    const std::string python3 = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    if (python && bench::haveCommand(python3)) {
        const auto py = bench::runCommand(
            python3 + " -c 'import json, sys; json.load(open(sys.argv[1]))' '" + json + "'");
        if (py.ok) {
            std::printf("python3 json.load    %7.2f s (CPU %.2f s)  peak RSS %7.0f MiB\n",
                        py.seconds, py.cpuSeconds, py.peakMiB);
            std::printf(
                "ratio: %.1fx faster (target >= 10x), %.2f of the memory (target <= 0.20)\n",
                py.seconds / ours.seconds, ours.peakMiB / py.peakMiB);
        } else {
            std::printf("python3 json.load failed\n");
        }
    } else {
        std::printf(
            "python3 baseline skipped; reference (cpu-baselines.md P4, same machine class): "
            "json.load 55.4 s, "
            "4.77 GB -> %.1fx faster, %.2f of the memory\n",
            55.4 / ours.seconds, ours.peakMiB / (4.77 * 1024));
    }
    std::printf("goal: <= 6 s and <= 0.95 GB: %s\n",
                ours.seconds <= 6.0 && ours.peakMiB <= 0.95 * 1024 ? "met" : "NOT met");
    if (keep.empty())
        fs::remove_all(dir);
    return 0;
}
