#pragma once
// Inputs and outputs of the COCO bbox evaluator (pycocotools' COCOeval with iouType="bbox"), as
// plain structs so the trainer can evaluate in-process.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace studio {

/// One detection, as in a COCO results file: absolute-pixel [x, y, width, height] of the top-left
/// corner.
struct Detection {
    std::int64_t imageId = 0;
    std::int64_t categoryId = 0;
    double x = 0, y = 0, w = 0, h = 0;
    double score = 0;
};

struct EvalParams {
    /// Detections kept per image; sorted ascending. The 12 stats use [0], [1] and [2] (AP with the
    /// last), as pycocotools (with [1, 10, 100]) and rfdetr's patched summarize (with [1, 10, 500])
    /// do.
    std::vector<int> maxDets = {1, 10, 100};
    /// Images to evaluate (pycocotools' params.imgIds); default: every image of the ground truth.
    std::optional<std::vector<std::int64_t>> imageIds;
    /// Keep per-detection matches at IoU 0.50 (area "all") for rfdetr's extended metrics.
    bool keepMatchesAt50 = true;
};

/// Area ranges in pixels^2: all, small, medium, large (pycocotools' defaults).
inline constexpr std::array<std::array<double, 2>, 4> kAreaRanges = {
    {{0.0, 1e10}, {0.0, 1024.0}, {1024.0, 9216.0}, {9216.0, 1e10}}};
inline constexpr std::array<const char*, 4> kAreaLabels = {"all", "small", "medium", "large"};

/// The detections of one category at IoU 0.50, area "all", in image order (what rfdetr's extended
/// metrics sweep over).
struct ClassMatches50 {
    std::vector<double> scores;
    std::vector<std::uint8_t>
        matched;  // matched a ground-truth box whose id is not 0 (pycocotools' dtMatches != 0)
    std::vector<std::uint8_t> ignored;  // matched a crowd / out-of-range box
    std::uint64_t groundTruth = 0;      // boxes that count (not crowd)
};

struct EvalResult {
    std::vector<double> iouThresholds;      // T = 10: .50:.05:.95
    std::vector<double> recallThresholds;   // R = 101: 0:.01:1
    std::vector<int> maxDets;               // M, ascending
    std::vector<std::int64_t> categoryIds;  // K, ascending (every category of the ground truth)
    std::vector<std::int64_t> imageIds;     // evaluated images, ascending
    std::vector<double> precision;          // [T][R][K][A][M], -1 where there is no ground truth
    std::vector<double> recall;             // [T][K][A][M]
    std::array<double, 12>
        stats{};  // AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl
    std::vector<double>
        perClassAP;  // per categoryIds: AP@[.50:.95], area all, maxDets.back(); -1 if undefined
    std::vector<ClassMatches50> matches50;  // per categoryIds (when EvalParams::keepMatchesAt50)

    std::size_t numT() const { return iouThresholds.size(); }
    std::size_t numR() const { return recallThresholds.size(); }
    std::size_t numK() const { return categoryIds.size(); }
    std::size_t numA() const { return kAreaRanges.size(); }
    std::size_t numM() const { return maxDets.size(); }
    double precisionAt(std::size_t t, std::size_t r, std::size_t k, std::size_t a,
                       std::size_t m) const {
        return precision[(((t * numR() + r) * numK() + k) * numA() + a) * numM() + m];
    }
    double recallAt(std::size_t t, std::size_t k, std::size_t a, std::size_t m) const {
        return recall[((t * numK() + k) * numA() + a) * numM() + m];
    }
    /// The 12 lines pycocotools' summarize() prints (" Average Precision  (AP) @[ IoU=0.50:0.95 |
    /// ...").
    std::string summaryText() const;
};

}  // namespace studio
