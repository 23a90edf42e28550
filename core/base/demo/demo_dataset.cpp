#include "base/demo/demo_dataset.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/demo/demo_page.h"
#include "base/demo/demo_rng.h"
#include "base/events/event_writer.h"
#include "base/hf/file_lock.h"
#include "base/image/png_writer.h"
#include "base/log/log.h"
#include "base/util/atomic_file.h"
#include "base/util/cache_dir.h"

namespace studio {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSplits[3] = {"train", "valid", "test"};
constexpr int kHeightPermille[3] = {1250, 1294, 1375};  // page height / width

int splitSize(const DemoDatasetSpec& s, int split) {
    return split == 0 ? s.trainImages : split == 1 ? s.validImages : s.testImages;
}

std::string pageName(int index) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "page_%05d.png", index);
    return buf;
}

std::uint64_t pageSeed(const DemoDatasetSpec& s, int split, int index) {
    demo::DemoRng rng(s.seed ^ (std::uint64_t(split + 1) << 40) ^ std::uint64_t(index));
    return rng.next();
}

// Serialises progress calls and throttles them to a few per second.
class ProgressReporter {
public:
    ProgressReporter(const DemoProgress& sink, double total) : m_sink(sink), m_total(total) {}
    void pageDone(const std::string& item) {
        std::lock_guard<std::mutex> lock(m_mutex);
        ++m_done;
        const auto now = std::chrono::steady_clock::now();
        const double elapsed = std::chrono::duration<double>(now - m_start).count();
        if (m_done < m_total && now - m_last < std::chrono::milliseconds(250)) return;
        m_last = now;
        ProgressEvent e;
        e.stage = "demo";
        e.item = item;
        e.done = m_done;
        e.total = m_total;
        e.ratePerS = elapsed > 0 ? m_done / elapsed : 0;
        e.etaS = e.ratePerS > 0 ? (m_total - m_done) / e.ratePerS : -1;
        if (m_sink) {
            m_sink(e);
        } else {
            events().publish(e);
        }
    }

private:
    const DemoProgress& m_sink;
    double m_total;
    double m_done = 0;
    std::mutex m_mutex;
    std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point m_last{};
};

nlohmann::ordered_json categoriesJson() {
    nlohmann::ordered_json cats = nlohmann::ordered_json::array();
    cats.push_back({{"id", 0}, {"name", "forms"}, {"supercategory", "none"}});
    for (int id = 1; id < kDemoClassLogits; ++id) cats.push_back({{"id", id}, {"name", demoClassName(id)}, {"supercategory", "forms"}});
    return cats;
}

// Renders and writes one split's pages (in parallel), then its annotation file.
void writeSplit(const std::string& dir, int split, const DemoDatasetSpec& spec, int threads,
                ProgressReporter& progress) {
    fs::create_directories(dir);
    const int n = splitSize(spec, split);
    std::vector<std::vector<demo::DemoBox>> boxes(static_cast<std::size_t>(n));
    std::vector<std::pair<int, int>> sizes(static_cast<std::size_t>(n));
    std::atomic<int> next{0};
    std::mutex errorMutex;
    std::string error;
    auto work = [&] {
        for (int i = next++; i < n; i = next++) {
            try {
                const std::uint64_t seed = pageSeed(spec, split, i);
                const int height = spec.width * kHeightPermille[seed % 3] / 1000;
                demo::DemoPage page = demo::renderDemoPage(seed, spec.width, height, spec.layoutWidth);
                PngWriteOptions png;
                png.grayWhenPossible = true;
                png.upFilterOnly = true;
                writePng(dir + "/" + pageName(i), page.image, png);
                boxes[std::size_t(i)] = std::move(page.boxes);
                sizes[std::size_t(i)] = {spec.width, height};
                progress.pageDone(std::string(kSplits[split]) + "/" + pageName(i));
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> lock(errorMutex);
                if (error.empty()) error = e.what();
                next = n;
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (!error.empty()) throw std::runtime_error(error);

    nlohmann::ordered_json doc;
    doc["info"] = {{"year", "2026"},
                   {"version", kDemoDatasetVersion},
                   {"description", "RF-DETR Studio demo forms (synthetic; Text, CheckBox, Signature)"},
                   {"contributor", "RF-DETR Studio"},
                   {"url", ""},
                   {"date_created", "2026-01-01T00:00:00+00:00"}};
    doc["licenses"] = nlohmann::ordered_json::array(
        {{{"id", 1}, {"url", "https://www.gnu.org/licenses/gpl-3.0.html"}, {"name", "GPL-3.0-or-later"}}});
    doc["categories"] = categoriesJson();
    // Built apart and moved in: ordered_json keeps members in a vector, so references into it do not last.
    nlohmann::ordered_json images = nlohmann::ordered_json::array();
    nlohmann::ordered_json anns = nlohmann::ordered_json::array();
    int annId = 0;
    for (int i = 0; i < n; ++i) {
        images.push_back({{"id", i},
                          {"license", 1},
                          {"file_name", pageName(i)},
                          {"height", sizes[std::size_t(i)].second},
                          {"width", sizes[std::size_t(i)].first},
                          {"date_captured", "2026-01-01T00:00:00+00:00"}});
        for (const auto& b : boxes[std::size_t(i)])
            anns.push_back({{"id", annId++},
                            {"image_id", i},
                            {"category_id", b.category},
                            {"bbox", {b.x, b.y, b.w, b.h}},
                            {"area", b.w * b.h},
                            {"segmentation", nlohmann::ordered_json::array()},
                            {"iscrowd", 0}});
    }
    doc["images"] = std::move(images);
    doc["annotations"] = std::move(anns);
    writeFileAtomic(dir + "/_annotations.coco.json", doc.dump());
}

bool isComplete(const std::string& dir) {
    for (const char* split : kSplits)
        if (!fs::is_regular_file(dir + "/" + split + "/_annotations.coco.json")) return false;
    return true;
}

std::string checkedExisting(const std::string& dir) {
    if (!isComplete(dir))
        throw std::runtime_error("the demo dataset in " + dir +
                                 " is incomplete (an annotation file is missing). Fix: delete that folder; it is "
                                 "generated again on the next run");
    return dir;
}

}  // namespace

const char* demoClassName(int id) {
    switch (id) {
        case 0: return "forms";
        case 1: return "Text";
        case 2: return "CheckBox";
        case 3: return "Signature";
        default: return "";
    }
}

void generateDemoDataset(const std::string& folder, const DemoDatasetSpec& spec, const DemoProgress& progress,
                         int threads) {
    if (fs::exists(folder)) throw std::runtime_error("cannot generate the demo dataset into " + folder + ": it exists");
    if (threads <= 0) threads = int(std::min(4u, std::max(1u, std::thread::hardware_concurrency())));
    ProgressReporter reporter(progress, double(spec.trainImages + spec.validImages + spec.testImages));
    try {
        fs::create_directories(folder);
        for (int split = 0; split < 3; ++split) writeSplit(folder + "/" + kSplits[split], split, spec, threads, reporter);
        writeFileAtomic(folder + "/README.txt",
                        "Synthetic form pages generated by RF-DETR Studio (demo dataset " +
                            std::string(kDemoDatasetVersion) +
                            "): Roboflow COCO layout, classes Text, CheckBox, Signature.\n"
                            "Delete this folder to generate it again.\n");
    } catch (const fs::filesystem_error& e) {
        throw std::runtime_error(std::string("cannot write the demo dataset: ") + e.what());
    }
}

std::string demoDatasetDir(const std::string& cacheDir) {
    return studioCacheDir(cacheDir) + "/demo/" + kDemoDatasetVersion;
}

std::string ensureDemoDataset(const std::string& cacheDir, const DemoProgress& progress, const DemoDatasetSpec& spec) {
    const std::string dir = demoDatasetDir(cacheDir);
    const std::string parent = fs::path(dir).parent_path().string();
    if (fs::exists(dir)) return checkedExisting(dir);
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec)
        throw std::runtime_error("cannot create " + parent + " for the demo dataset: " + ec.message() +
                                 ". Fix: choose a writable --cache-dir (CACHE_DIR)");
    hf::FileLock lock(dir + ".lock", 0, [&] {
        logger().info("waiting for another process that is generating the demo dataset in {}", dir);
    });
    if (fs::exists(dir)) return checkedExisting(dir);  // another process made it while we waited
    // Leftovers of an interrupted generation (we hold the lock, so nobody is writing them).
    for (const auto& e : fs::directory_iterator(parent, ec)) {
        if (e.path().filename().string().rfind(std::string(kDemoDatasetVersion) + ".tmp-", 0) == 0)
            fs::remove_all(e.path(), ec);
    }
    const std::string temp = dir + ".tmp-" + std::to_string(::getpid());
    logger().info("generating the demo dataset in {} (once)", dir);
    try {
        generateDemoDataset(temp, spec, progress);
        fs::rename(temp, dir);
    } catch (const std::exception& e) {
        fs::remove_all(temp, ec);
        throw std::runtime_error(std::string(e.what()) + ". Fix: check that " + parent +
                                 " is writable and has space (about 5 MB), or pass another --cache-dir");
    }
    return dir;
}

}  // namespace studio
