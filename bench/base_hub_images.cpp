// Images straight from the parquet shards (the default for hf: datasets) against extracted PNG files.
// Measures, on CommonForms-sized pages (~370 kB each, 100-row row groups) in three layouts:
//   prepare: building the COCO folder + image index, vs extracting every image to a file;
//   read:    random-order and in-order reads through ImageStore, vs reading the extracted files.
// Input: node tests/data/parquet/generate.mjs --bench DIR [ROWS]   (needs `npm ci` in tests/data/parquet)
// Usage: bench_hub_images DIR
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "base/hub_dataset/image_store.h"
#include "base/hub_dataset/prepare_hub_dataset.h"
#include "base/coco/coco_index.h"

using namespace studio;
using namespace studio::hubdata;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

hf::FetchedDataset shardsIn(const std::string& dir) {
    hf::FetchedDataset d;
    d.repo = {hf::RepoType::Dataset, "bench/CommonForms", "main"};
    d.commit = std::string(40, 'b');
    for (const char* f : {"train-00000-of-00002.parquet", "train-00001-of-00002.parquet", "valid-00000-of-00001.parquet"}) {
        const std::string path = dir + "/data/" + f;
        d.files.push_back({std::string("data/") + f, path, hf::splitOfPath(f), fs::file_size(path), ""});
    }
    return d;
}

struct ReadStats {
    double msPerImage = 0;
    double mbPerS = 0;
};

ReadStats readAll(const std::string& splitDir, bool shuffled) {
    const CocoIndex coco = CocoIndex::load(splitDir + "/_annotations.coco.json");
    std::vector<std::size_t> order(coco.numImages());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (shuffled) std::shuffle(order.begin(), order.end(), std::mt19937(42));
    auto store = ImageStore::open(splitDir);
    double bytes = 0;
    const auto t0 = Clock::now();
    for (std::size_t i : order) bytes += static_cast<double>(store->read(coco.fileName(i)).size());
    const double s = seconds(t0);
    return {1000 * s / static_cast<double>(order.size()), bytes / 1e6 / s};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR  (make DIR with: node tests/data/parquet/generate.mjs --bench DIR)\n", argv[0]);
        return 2;
    }
    const std::string root = argv[1];
    const std::string out = root + "/prepared";
    fs::remove_all(out);

    // Baseline: every image extracted to a file (what a one-time COCO import would do).
    const auto base = shardsIn(root + "/uncompressed");
    double shardBytes = 0;
    for (const auto& f : base.files) shardBytes += static_cast<double>(f.size);
    auto t0 = Clock::now();
    const PreparedDataset extracted = buildPreparedDataset(base, out + "/extracted", HubImageMode::Extract, {});
    const double extractS = seconds(t0);
    std::int64_t pages = 0;
    for (const auto& s : extracted.splits) pages += s.images;
    std::printf("shards: %.0f MB, %lld pages\n", shardBytes / 1e6, static_cast<long long>(pages));
    std::printf("extract to files (baseline)      : %6.2f s  %7.1f pages/s  %6.1f MB/s written, +%.0f MB disk\n",
                extractS, pages / extractS, shardBytes / 1e6 / extractS, shardBytes / 1e6);
    const ReadStats fileRandom = readAll(out + "/extracted/train", true);
    const ReadStats fileSeq = readAll(out + "/extracted/train", false);
    std::printf("read files, random order         : %6.3f ms/image %7.1f MB/s\n", fileRandom.msPerImage, fileRandom.mbPerS);
    std::printf("read files, in order             : %6.3f ms/image %7.1f MB/s\n\n", fileSeq.msPerImage, fileSeq.mbPerS);

    for (const char* layout : {"uncompressed", "snappy-1MB-pages", "snappy-page-per-rowgroup"}) {
        const auto shards = shardsIn(root + "/" + layout);
        t0 = Clock::now();
        buildPreparedDataset(shards, out + "/" + layout, HubImageMode::Index, {});
        const double indexS = seconds(t0);
        std::uintmax_t indexBytes = 0;
        for (const auto& e : fs::recursive_directory_iterator(out + "/" + layout))
            if (e.is_regular_file()) indexBytes += e.file_size();
        const ReadStats rnd = readAll(out + "/" + layout + "/train", true);
        const ReadStats seq = readAll(out + "/" + layout + "/train", false);
        std::printf("%s\n", layout);
        std::printf("  index build                    : %6.2f s  %7.1f pages/s  (%.2fx the extract time), +%.2f MB disk\n",
                    indexS, pages / indexS, indexS / extractS, static_cast<double>(indexBytes) / 1e6);
        std::printf("  read via index, random order   : %6.3f ms/image %7.1f MB/s  (%.2fx the file read time)\n",
                    rnd.msPerImage, rnd.mbPerS, rnd.msPerImage / fileRandom.msPerImage);
        std::printf("  read via index, in order       : %6.3f ms/image %7.1f MB/s  (%.2fx the file read time)\n",
                    seq.msPerImage, seq.mbPerS, seq.msPerImage / fileSeq.msPerImage);
    }
    fs::remove_all(out);
    return 0;
}
