// Images straight from the parquet shards (the default for hf: datasets) against extracted PNG files.
// Measures, on CommonForms-sized pages (~370 kB each, 100-row row groups) in three layouts:
//   prepare: building the COCO folder + image index, vs extracting every image to a file;
//   read:    random-order and in-order reads through ImageStore, vs reading the extracted files.
// With --cold, every read pass starts with the files evicted from the page cache (posix_fadvise
// DONTNEED), as at CommonForms scale (161 GB of train shards > RAM). The last block extrapolates the
// measured rates to CommonForms' train split (435,698 pages, 160,974,075,696 bytes).
// Input: node tests/data/parquet/generate.mjs --bench DIR [ROWS]   (needs `npm ci` in tests/data/parquet;
//        1350 rows per shard gives ~500 MB shards, the size `datasets` push_to_hub writes)
// Usage: bench_hub_images DIR [--cold]
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

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

constexpr double kCommonFormsTrainPages = 435698;
constexpr double kCommonFormsTrainBytes = 160974075696.0;

/// Drops `dir`'s files (recursively) from the page cache so the next reads come from the disk.
void evict(const std::string& dir) {
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        const int fd = ::open(e.path().c_str(), O_RDONLY);
        if (fd < 0) continue;
        ::fdatasync(fd);
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fd);
    }
}

/// Heap bytes in use (glibc's allocator statistics), in MB.
double heapMB() { return static_cast<double>(::mallinfo2().uordblks) / 1e6; }

struct ReadStats {
    double msPerImage = 0;
    double mbPerS = 0;
    double storeMB = 0;  // heap the opened store (index + name map) takes
    double images = 0;
};

ReadStats readAll(const std::string& splitDir, bool shuffled, const std::vector<std::string>& evictDirs) {
    for (const auto& d : evictDirs) evict(d);
    const CocoIndex coco = CocoIndex::load(splitDir + "/_annotations.coco.json");
    std::vector<std::size_t> order(coco.numImages());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (shuffled) std::shuffle(order.begin(), order.end(), std::mt19937(42));
    const double heap0 = heapMB();
    auto store = ImageStore::open(splitDir);
    const double storeMB = heapMB() - heap0;
    double bytes = 0;
    const auto t0 = Clock::now();
    for (std::size_t i : order) bytes += static_cast<double>(store->read(coco.fileName(i)).size());
    const double s = seconds(t0);
    return {1000 * s / static_cast<double>(order.size()), bytes / 1e6 / s, storeMB, static_cast<double>(order.size())};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s DIR [--cold]  (make DIR with: node tests/data/parquet/generate.mjs --bench DIR)\n",
                     argv[0]);
        return 2;
    }
    const std::string root = argv[1];
    const bool cold = argc > 2 && std::string(argv[2]) == "--cold";
    std::printf("reads %s\n", cold ? "cold (page cache dropped before each pass)" : "warm (page cache as it is)");
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
    const std::vector<std::string> evictExtracted = cold ? std::vector<std::string>{out + "/extracted"}
                                                         : std::vector<std::string>{};
    const ReadStats fileRandom = readAll(out + "/extracted/train", true, evictExtracted);
    const ReadStats fileSeq = readAll(out + "/extracted/train", false, evictExtracted);
    std::printf("read files, random order         : %6.3f ms/image %7.1f MB/s\n", fileRandom.msPerImage, fileRandom.mbPerS);
    std::printf("read files, in order             : %6.3f ms/image %7.1f MB/s\n\n", fileSeq.msPerImage, fileSeq.mbPerS);

    struct Scaled {
        std::string layout;
        double indexS, indexMB, randomMs, storeMBPerPage;
    };
    std::vector<Scaled> scaled;
    for (const char* layout : {"uncompressed", "snappy-1MB-pages", "snappy-page-per-rowgroup"}) {
        const auto shards = shardsIn(root + "/" + layout);
        t0 = Clock::now();
        buildPreparedDataset(shards, out + "/" + layout, HubImageMode::Index, {});
        const double indexS = seconds(t0);
        std::uintmax_t indexBytes = 0;
        for (const auto& e : fs::recursive_directory_iterator(out + "/" + layout))
            if (e.is_regular_file()) indexBytes += e.file_size();
        const std::vector<std::string> evictShards = cold ? std::vector<std::string>{root + "/" + layout}
                                                          : std::vector<std::string>{};
        const ReadStats rnd = readAll(out + "/" + layout + "/train", true, evictShards);
        const ReadStats seq = readAll(out + "/" + layout + "/train", false, evictShards);
        std::printf("%s\n", layout);
        std::printf("  index build                    : %6.2f s  %7.1f pages/s  (%.2fx the extract time), +%.2f MB disk\n",
                    indexS, pages / indexS, indexS / extractS, static_cast<double>(indexBytes) / 1e6);
        std::printf("  read via index, random order   : %6.3f ms/image %7.1f MB/s  (%.2fx the file read time)\n",
                    rnd.msPerImage, rnd.mbPerS, rnd.msPerImage / fileRandom.msPerImage);
        std::printf("  read via index, in order       : %6.3f ms/image %7.1f MB/s  (%.2fx the file read time)\n",
                    seq.msPerImage, seq.mbPerS, seq.msPerImage / fileSeq.msPerImage);
        scaled.push_back({layout, indexS, static_cast<double>(indexBytes) / 1e6, rnd.msPerImage, rnd.storeMB / rnd.images});
    }

    // CommonForms' train split, from the rates above (both scale linearly in pages and bytes).
    const double k = kCommonFormsTrainPages / static_cast<double>(pages);
    std::printf("\nat CommonForms scale (train: %.0f pages, %.1f GB of parquet)\n", kCommonFormsTrainPages,
                kCommonFormsTrainBytes / 1e9);
    std::printf("  extract to files (import)      : %7.1f min, +%.1f GB disk, read %.3f ms/image random\n",
                extractS * kCommonFormsTrainBytes / shardBytes / 60, kCommonFormsTrainBytes / 1e9,
                fileRandom.msPerImage);
    for (const auto& s : scaled)
        std::printf("  %-24s index     : %7.1f min, +%.2f GB disk, %.0f MB RAM per loader, read %.3f ms/image "
                    "random (%.2fx)\n",
                    s.layout.c_str(), s.indexS * k / 60, s.indexMB * k / 1e3, s.storeMBPerPage * kCommonFormsTrainPages, s.randomMs,
                    s.randomMs / fileRandom.msPerImage);
    fs::remove_all(out);
    return 0;
}
