#pragma once
// What validating a COCO dataset folder produces: a summary per split (images, boxes, boxes per
// class, boxes-per-image histogram, image file checks), the class list the model will get, and
// every problem.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/coco/coco_dataset.h"
#include "base/util/problem.h"

namespace studio {

/// Boxes-per-image histogram bins: [0], [1], [2,5], [6,10], [11,20], [21,50], [51,100], [101,300],
/// [301,inf).
inline constexpr std::array<std::uint32_t, 9> kBoxesPerImageBinStart = {0,  1,  2,   6,  11,
                                                                        21, 51, 101, 301};
/// "0", "1", "2-5", ..., ">300".
std::string boxesPerImageBinLabel(std::size_t bin);
std::size_t boxesPerImageBin(std::uint64_t boxes);

struct ImageFileStats {
    bool checked = false;  // false when image checks were switched off
    std::uint64_t ok = 0, missing = 0, unreadable = 0, notImages = 0, sizeMismatches = 0;
};

struct SplitStats {
    std::string name;
    std::uint64_t images = 0, boxes = 0, crowdBoxes = 0, imagesWithoutBoxes = 0,
                  maxBoxesPerImage = 0;
    std::uint64_t skippedAnnotations = 0;  // unusable annotations (see problems)
    std::vector<std::pair<std::int64_t, std::uint64_t>>
        boxesPerCategory;  // (category id, boxes), by id
    std::array<std::uint64_t, kBoxesPerImageBinStart.size()> boxesPerImage{};
    ImageFileStats imageFiles;
};

struct DatasetReport {
    std::string root;
    std::vector<CocoCategory> categories;  // train's (the classes come from them)
    ClassList classes;
    std::vector<SplitStats> splits;
    std::vector<Problem> problems;
    bool hasErrors() const { return studio::hasErrors(problems); }
};

struct DatasetCheckOptions {
    bool checkImages = true;  // open every image and read its header (existence, format, real size)
    int numQueries =
        300;          // the model's queries: pages with more boxes than this cannot all be found
    int threads = 0;  // for the image checks (I/O bound); 0: 4 per hardware thread, at most 32
    /// Called from the validating thread now and then during the image checks (done, total per
    /// split).
    std::function<void(const std::string& split, std::uint64_t done, std::uint64_t total)> progress;
};

/// Human-readable report: classes, a table per split, the histogram, then every problem and the
/// verdict.
std::string formatDatasetReport(const DatasetReport& report);
/// The same as JSON (keys documented in docs/DATASETS.md).
nlohmann::json datasetReportToJson(const DatasetReport& report);

}  // namespace studio
