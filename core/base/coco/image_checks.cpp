#include "base/coco/image_checks.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "base/image/image_header.h"

namespace studio {

namespace {

enum class Outcome : std::uint8_t { Ok, Missing, Unreadable, NotImage };

struct Failure {
    std::size_t image;
    Outcome outcome;
    std::string error;
};

int checkThreads(const DatasetCheckOptions& o) {
    if (o.threads > 0)
        return o.threads;
    const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::min(32, 4 * hw);
}

std::string sizeText(int w, int h) {
    return std::to_string(w) + "x" + std::to_string(h);
}

}  // namespace

std::vector<ImageSize> checkImageFiles(const CocoSplit& split, const DatasetCheckOptions& options,
                                       ImageFileStats& stats, CappedProblems& problems) {
    const CocoIndex& idx = split.index;
    const std::size_t n = idx.numImages();
    std::vector<ImageSize> sizes(n);
    std::vector<std::uint8_t> orientation(n, 1);
    std::vector<ImageSize> stored(n);  // size in the file header, before orientation
    std::vector<Failure> failures;
    std::mutex failuresMutex;
    std::atomic<std::size_t> next{0}, done{0};
    const std::filesystem::path dir(split.directory);

    auto work = [&] {
        while (true) {
            const std::size_t i = next.fetch_add(1);
            if (i >= n)
                break;
            const std::string path = (dir / std::string(idx.fileName(i))).string();
            const ImageProbe probe = probeImage(path);
            if (probe.ok) {
                sizes[i] = {probe.header.orientedWidth(), probe.header.orientedHeight()};
                stored[i] = {probe.header.width, probe.header.height};
                orientation[i] = static_cast<std::uint8_t>(probe.header.exifOrientation);
            } else {
                Outcome o = Outcome::Unreadable;
                if (probe.error.find("No such file") != std::string::npos)
                    o = Outcome::Missing;
                else if (probe.error.rfind("is ", 0) == 0)
                    o = Outcome::NotImage;
                std::lock_guard<std::mutex> lock(failuresMutex);
                failures.push_back({i, o, probe.error});
            }
            done.fetch_add(1);
        }
    };
    const int threads = static_cast<int>(std::min<std::size_t>(
        static_cast<std::size_t>(checkThreads(options)), std::max<std::size_t>(n, 1)));
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
        pool.emplace_back(work);
    if (options.progress && !pool.empty()) {
        // The calling thread reports progress while the pool works, then joins in.
        while (done.load() < n && next.load() < n) {
            options.progress(split.name, done.load(), n);
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
    work();
    for (auto& t : pool)
        t.join();
    if (options.progress)
        options.progress(split.name, n, n);

    std::sort(failures.begin(), failures.end(),
              [](const Failure& a, const Failure& b) { return a.image < b.image; });
    auto field = [&](std::size_t i) {
        return split.annotationFile + ": image id " + std::to_string(idx.imageId(i)) + " (" +
               std::string(idx.fileName(i)) + ")";
    };
    stats = ImageFileStats{};
    stats.checked = true;
    for (const Failure& f : failures) {
        Problem p{Severity::Error, field(f.image), "", f.error, ""};
        switch (f.outcome) {
            case Outcome::Missing:
                ++stats.missing;
                p.message = "the image file is missing (" +
                            (dir / std::string(idx.fileName(f.image))).string() + ")";
                p.fix =
                    "copy the image next to the annotation file, or remove the image and its "
                    "annotations";
                problems.add("image-missing", std::move(p));
                break;
            case Outcome::NotImage:
                ++stats.notImages;
                p.message = "the file " + f.error;
                p.fix = "convert it to PNG or JPEG, or replace the damaged file";
                problems.add("image-not-image", std::move(p));
                break;
            default:
                ++stats.unreadable;
                p.message = "the image file " + f.error;
                p.fix = "check the file's permissions and the disk";
                problems.add("image-unreadable", std::move(p));
                break;
        }
    }
    std::unordered_map<std::string_view, std::size_t> byName;
    byName.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (sizes[i].width == 0)
            continue;
        const auto [it, fresh] = byName.emplace(idx.fileName(i), i);
        if (!fresh) {
            problems.add(
                "image-shared-file",
                {Severity::Warning, field(i), "",
                 "uses the same file as image id " + std::to_string(idx.imageId(it->second)),
                 "each image entry should have its own file (a duplicated page counts twice)"});
        }
        const int jw = idx.width(i), jh = idx.height(i);
        if (jw <= 0 || jh <= 0 || (jw == sizes[i].width && jh == sizes[i].height)) {
            ++stats.ok;
            continue;
        }
        if (orientation[i] >= 5 && jw == stored[i].width && jh == stored[i].height) {
            problems.add("image-exif-rotated",
                         {Severity::Warning, field(i), "",
                          "is stored " + sizeText(jw, jh) + " with EXIF orientation " +
                              std::to_string(orientation[i]) + ", so it is decoded as " +
                              sizeText(sizes[i].width, sizes[i].height) +
                              "; the annotation file gives the stored size",
                          "make sure the boxes were drawn on the rotated image, or strip the EXIF "
                          "orientation"});
            ++stats.ok;
            continue;
        }
        ++stats.sizeMismatches;
        problems.add(
            "image-size",
            {Severity::Error, field(i), "",
             "the image is " + sizeText(sizes[i].width, sizes[i].height) +
                 " but the annotation file says " + sizeText(jw, jh) +
                 ": its boxes would land in the wrong place",
             "re-export the annotations for the images you have (or restore the original images)"});
    }
    return sizes;
}

}  // namespace studio
