// bench_coco_load: loads a CommonForms-size COCO annotation file (436,000 pages, 5,758,832 boxes,
// generated here with a fixed seed) with CocoIndex::load (simdjson fast path and the nlohmann path)
// and with Python's json.load in the same run, each in its own process, and prints wall and CPU
// time, peak memory and the ratios against Python. Targets (cpu-baselines.md P4): >= 10x faster
// and <= 1/5 of the memory of json.load; <= 6 s, <= 0.95 GB. On a loaded machine CPU time is the
// steady figure. Usage: bench_coco_load [--images N] [--boxes N] [--no-python] [--no-reference]
// [--keep DIR]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "base/coco/coco_index.h"
#include "bench_args.h"
#include "bench_util.h"
#include "coco_synth.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    std::uint64_t images = 436000, boxes = 5758832;
    bool python = true, noReference = false;
    std::string keep;
    bench::Args args("bench_coco_load", argc, argv);
    while (args.next()) {
        if (args.is("--images"))
            images = args.count();
        else if (args.is("--boxes"))
            boxes = args.count();
        else if (args.is("--no-python"))
            python = false;
        else if (args.is("--no-reference"))
            noReference = true;
        else if (args.is("--keep"))
            keep = args.value();
        else {
            std::fprintf(stderr,
                         "usage: bench_coco_load [--images N] [--boxes N] [--no-python] [--no-reference] "
                         "[--keep DIR]\n");
            return 2;
        }
    }
    const bench::ScratchDir scratch("bench_coco_load", keep);
    const fs::path& dir = scratch.path();
    const std::string json = (dir / "_annotations.coco.json").string();

    const auto g = bench::runInChild([&] { return std::to_string(bench::writeSynthCoco(json, images, boxes, 42)); });
    const double mb = std::strtod(g.output.c_str(), nullptr) / 1e6;
    std::printf("generated %s: %llu images, %llu boxes, %.1f MB (%.1f s)\n", json.c_str(),
                static_cast<unsigned long long>(images), static_cast<unsigned long long>(boxes), mb, g.seconds);

    // Each parser in its own child (peak RSS per parser), best of 2 by CPU time; the two paths are
    // interleaved so that load from other work on the machine hits both alike.
    auto loadOnce = [&](bool fast) {
        return bench::runInChild([&] {
            studio::CocoLoadOptions options;
            options.fastParser = fast;
            const studio::CocoIndex idx = studio::CocoIndex::load(json, nullptr, options);
            return std::to_string(idx.numImages()) + " " + std::to_string(idx.numBoxes()) + " " +
                   std::to_string(idx.memoryBytes());
        });
    };
    auto better = [](const bench::ChildResult& a, const bench::ChildResult& b) {
        return b.ok && (!a.ok || b.cpuSeconds < a.cpuSeconds) ? b : a;
    };
    bench::ChildResult fast, reference;
    for (int round = 0; round < 2; ++round) {
        fast = better(fast, loadOnce(true));
        if (!noReference)
            reference = better(reference, loadOnce(false));
    }
    if (!fast.ok) {
        std::printf("CocoIndex::load failed: %s\n", fast.output.c_str());
        return 1;
    }
    unsigned long long ni = 0, nb = 0, bytes = 0;
    std::sscanf(fast.output.c_str(), "%llu %llu %llu", &ni, &nb, &bytes);
    std::printf(
        "%llu images, %llu boxes, index %.0f MiB; best of 2 by CPU time; load average %.1f "
        "on %u cores\n",
        ni, nb, bytes / 1048576.0, bench::loadAverage(), std::thread::hardware_concurrency());
    auto row = [](const char* name, const bench::ChildResult& r) {
        std::printf("%-28s %7.2f s wall  %7.2f s CPU  peak RSS %6.0f MiB\n", name, r.seconds, r.cpuSeconds, r.peakMiB);
    };
    row("CocoIndex::load (simdjson)", fast);
    if (reference.ok)
        row("CocoIndex::load (nlohmann)", reference);

    // Debian's interpreter (the one cpu-baselines.md measured), not whatever python3 comes first in
    // PATH.
    const std::string python3 = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    bench::ChildResult py;
    if (python && bench::haveCommand(python3)) {
        py = bench::runCommand(python3 + " -c 'import json, sys; json.load(open(sys.argv[1]))' '" + json + "'");
        if (py.ok)
            row("python3 json.load", py);
        else
            std::printf("python3 json.load failed\n");
    }
    if (!py.ok) {
        // cpu-baselines.md P4 (same machine class, unloaded: wall ~ CPU).
        py.seconds = py.cpuSeconds = 55.4;
        py.peakMiB = 4.77 * 1024;
        std::printf(
            "python3 baseline not run; reference (cpu-baselines.md P4): json.load 55.4 s, "
            "4.77 GB\n");
    }
    auto ratios = [&](const char* name, const bench::ChildResult& r) {
        std::printf(
            "%-10s vs python: %5.1fx faster by wall, %5.1fx by CPU (target >= 10x), "
            "%.2f of the memory (target <= 0.20)\n",
            name, py.seconds / r.seconds, py.cpuSeconds / r.cpuSeconds, r.peakMiB / py.peakMiB);
    };
    ratios("simdjson", fast);
    if (reference.ok) {
        ratios("nlohmann", reference);
        std::printf("simdjson vs nlohmann: %.1fx by wall, %.1fx by CPU\n", reference.seconds / fast.seconds,
                    reference.cpuSeconds / fast.cpuSeconds);
    }
    const bool met =
        py.cpuSeconds / fast.cpuSeconds >= 10 && fast.peakMiB <= 0.95 * 1024 && fast.peakMiB / py.peakMiB <= 0.2;
    std::printf(
        "target (>= 10x python by CPU time, <= 0.95 GB, <= 1/5 of python's memory): %s; "
        "goal <= 6 s wall: %s\n",
        met ? "met" : "NOT met", fast.seconds <= 6.0 ? "met" : "NOT met");
    return 0;
}
