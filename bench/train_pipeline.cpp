// bench_pipeline: images per second per core for the training input pipeline on CommonForms-size pages
// (1700 x 2200 PNG, generated here from seeds with the demo-page renderer) with rfdetr's medium train
// transforms (flip, square resize to 736 or resize {400,500,600} -> crop 384..600 -> resize to 736) and
// ImageNet normalisation. Measured through the real DataLoader with 1 and N worker threads, against
// Debian's python3-pil + numpy doing the same work in the same run (PIL resize is what torchvision uses).
// Target (cpu-baselines.md P3): >= 3x the Python pipeline per core.
// Usage: bench_pipeline [--images N] [--threads N] [--passes N] [--python PATH] [--keep DIR]
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/demo/demo_page.h"
#include "base/image/png_writer.h"
#include "base/util/atomic_file.h"
#include "train/data/data_loader.h"
#include "train/data/image_decoder.h"

using namespace studio;
using namespace studio::train;
namespace fs = std::filesystem;

namespace {

// The same work in Python: PIL open/convert, rfdetr's transforms (PIL bilinear), numpy normalisation.
constexpr const char* kPythonBaseline = R"PY(
import json, random, sys, time
import numpy as np
from PIL import Image

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
S_MAX = 736

def train_transform(img, rng):
    if rng.random() < 0.5:
        img = img.transpose(Image.FLIP_LEFT_RIGHT)
    if rng.random() < 0.5:
        img = img.resize((S_MAX, S_MAX), Image.BILINEAR)
    else:
        size = rng.choice([400, 500, 600])
        w, h = img.size
        if w < h:
            ow, oh = size, int(size * h / w)
        else:
            oh, ow = size, int(size * w / h)
        img = img.resize((ow, oh), Image.BILINEAR)
        cw = rng.randint(384, min(ow, 600))
        ch = rng.randint(384, min(oh, 600))
        i = rng.randint(0, oh - ch)
        j = rng.randint(0, ow - cw)
        img = img.crop((j, i, j + cw, i + ch)).resize((S_MAX, S_MAX), Image.BILINEAR)
    a = np.asarray(img, dtype=np.float32) / 255.0
    return np.ascontiguousarray(((a - MEAN) / STD).transpose(2, 0, 1))

def best_rate(paths, passes, work):
    # Best of the passes, by wall clock and by CPU time (images per CPU-second = per core).
    wall = cpu = 0.0
    for _ in range(passes):
        t0, c0 = time.perf_counter(), time.process_time()
        for p in paths:
            work(p)
        wall = max(wall, len(paths) / (time.perf_counter() - t0))
        cpu = max(cpu, len(paths) / max(1e-9, time.process_time() - c0))
    return wall, cpu

paths = sys.argv[2:]
passes = int(sys.argv[1])
rng = random.Random(0)
decode = best_rate(paths, passes, lambda p: Image.open(p).convert("RGB"))
pipeline = best_rate(paths, passes, lambda p: train_transform(Image.open(p).convert("RGB"), rng))
print("%f %f %f %f" % (decode[0], decode[1], pipeline[0], pipeline[1]))
)PY";

struct Args {
    int images = 16;
    int threads = int(std::max(1u, std::thread::hardware_concurrency()));
    int passes = 3;
    std::string python;
    std::string keep;
};

double seconds(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// CPU seconds used by the whole process so far (all threads).
double processCpuSeconds() {
    timespec t{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

// A throughput measured two ways: images per wall-clock second, and images per CPU-second (per core).
// The second is what the target is about and stays meaningful on a busy machine.
struct Rate {
    double wall = 0, cpu = 0;
    void keepBest(double images, double wallS, double cpuS) {
        wall = std::max(wall, images / wallS);
        cpu = std::max(cpu, images / std::max(1e-9, cpuS));
    }
};

// Writes the pages and a COCO file for them; returns the annotation file.
std::string writePages(const std::string& dir, int n, std::vector<std::string>& paths, double& meanBytes) {
    fs::create_directories(dir);
    std::ostringstream images;
    meanBytes = 0;
    for (int i = 0; i < n; ++i) {
        const demo::DemoPage page = demo::renderDemoPage(1000 + std::uint64_t(i), 1700, 2200);
        const std::string name = "page" + std::to_string(i) + ".png";
        const std::string bytes = encodePng(page.image);  // RGB, libpng's default filters, zlib level 6
        writeFileAtomic(dir + "/" + name, bytes);
        meanBytes += double(bytes.size()) / n;
        paths.push_back(dir + "/" + name);
        images << (i ? "," : "") << "{\"id\":" << i << ",\"file_name\":\"" << name
               << "\",\"width\":1700,\"height\":2200}";
    }
    const std::string json = dir + "/_annotations.coco.json";
    writeFileAtomic(json, "{\"categories\":[{\"id\":1,\"name\":\"Text\"}],\"images\":[" + images.str() +
                              "],\"annotations\":[]}");
    return json;
}

// Best rates over `passes` epochs of the real loader (batches of 4, 736 px squares).
Rate loaderRate(const std::shared_ptr<DetectionDataset>& ds, int workers, int passes) {
    TrainSamplerOptions so;
    so.datasetSize = ds->size();
    so.batchSize = 4;
    so.minBatchesPerEpoch = 1;
    TrainAugment augment;  // rfdetr medium: 736, {400, 500, 600}, crop 384..600
    LoaderOptions lo;
    lo.numWorkers = workers;
    lo.prefetchBatches = std::max(2, workers);
    DataLoader loader(ds, TrainSampler(so), SampleTransform::forTraining(augment), lo);
    Rate best;
    for (int e = 0; e < passes; ++e) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = processCpuSeconds();
        loader.startEpoch(e);
        long long images = 0;
        while (auto b = loader.next()) images += b->images.size(0);
        best.keepBest(double(images), seconds(t0), processCpuSeconds() - c0);
    }
    return best;
}

Rate decodeRate(const std::vector<std::string>& paths, int passes) {
    Rate best;
    for (int e = 0; e < passes; ++e) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = processCpuSeconds();
        for (const auto& p : paths) readImageFile(p);
        best.keepBest(double(paths.size()), seconds(t0), processCpuSeconds() - c0);
    }
    return best;
}

std::string findPython(const Args& a) {
    if (!a.python.empty()) return a.python;
    if (const char* env = std::getenv("STUDIO_PYTHON")) return env;
    return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";  // Debian's, with python3-pil
}

bool runPython(const std::string& python, const std::string& script, int passes,
               const std::vector<std::string>& paths, Rate& decode, Rate& pipeline) {
    std::string cmd = python + " " + script + " " + std::to_string(passes);
    for (const auto& p : paths) cmd += " " + p;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return false;
    char line[512] = {};
    const bool got = std::fgets(line, sizeof line, pipe) != nullptr;
    const int rc = ::pclose(pipe);
    return got && rc == 0 &&
           std::sscanf(line, "%lf %lf %lf %lf", &decode.wall, &decode.cpu, &pipeline.wall, &pipeline.cpu) == 4;
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--images") a.images = std::max(4, std::atoi(v.c_str()));
        else if (k == "--threads") a.threads = std::max(1, std::atoi(v.c_str()));
        else if (k == "--passes") a.passes = std::max(1, std::atoi(v.c_str()));
        else if (k == "--python") a.python = v;
        else if (k == "--keep") a.keep = v;
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    char tmpl[] = "/tmp/bench_pipeline_XXXXXX";
    const std::string dir = a.keep.empty() ? std::string(::mkdtemp(tmpl)) : a.keep;
    std::vector<std::string> paths;
    double meanBytes = 0;
    std::printf("bench_pipeline: %d pages 1700x2200 RGB PNG -> rfdetr medium train transforms (736 px) + "
                "normalise; %u cores\n", a.images, cores);
    const std::string json = writePages(dir, a.images, paths, meanBytes);
    std::printf("  pages: %.0f kB PNG on average (written to %s)\n", meanBytes / 1024, dir.c_str());

    auto ds = std::make_shared<DetectionDataset>(std::make_shared<CocoIndex>(CocoIndex::load(json)));
    loaderRate(ds, 1, 1);  // warm-up (page cache, allocator)
    const Rate cppDecode = decodeRate(paths, a.passes);
    const Rate cpp1 = loaderRate(ds, 1, a.passes);
    const Rate cppN = loaderRate(ds, a.threads, a.passes);
    const double usedCores = std::min<double>(a.threads, cores);

    const std::string script = dir + "/baseline.py";
    writeFileAtomic(script, kPythonBaseline);
    Rate pyDecode, pyPipeline;
    const std::string python = findPython(a);
    const bool havePython = runPython(python, script, a.passes, paths, pyDecode, pyPipeline);

    auto row = [](const std::string& what, double wall, double perCore) {
        std::printf("  %-46s %10.1f %18.1f\n", what.c_str(), wall, perCore);
    };
    std::printf("  %-46s %10s %18s\n", "", "images/s", "images/CPU-second");
    row("C++ decode only (libpng, 1 thread)", cppDecode.wall, cppDecode.cpu);
    row("C++ DataLoader, 1 worker", cpp1.wall, cpp1.cpu);
    row("C++ DataLoader, " + std::to_string(a.threads) + " workers", cppN.wall, cppN.cpu);
    std::printf("  (%d workers on %u cores: %.1f images/s per core by wall clock)\n", a.threads, cores,
                cppN.wall / usedCores);
    if (havePython) {
        row("Python PIL decode only (1 process)", pyDecode.wall, pyDecode.cpu);
        row("Python PIL + numpy pipeline (1 process)", pyPipeline.wall, pyPipeline.cpu);
        std::printf("  per core vs Python pipeline (CPU time): 1 worker %.2fx, %d workers %.2fx (target >= 3x)\n",
                    cpp1.cpu / pyPipeline.cpu, a.threads, cppN.cpu / pyPipeline.cpu);
        std::printf("  per core vs Python pipeline (wall clock): 1 worker %.2fx, %d workers %.2fx\n",
                    cpp1.wall / pyPipeline.wall, a.threads, cppN.wall / usedCores / pyPipeline.wall);
        std::printf("  decode alone vs PIL (CPU time): %.2fx\n", cppDecode.cpu / pyDecode.cpu);
    } else {
        std::printf("  Python baseline unavailable (%s with PIL and numpy; install python3-pil python3-numpy "
                    "or pass --python)\n", python.c_str());
    }
    if (a.keep.empty()) fs::remove_all(dir);
    return havePython ? 0 : 1;
}
