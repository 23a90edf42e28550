#pragma once
// Pieces of the evaluator shared by its source files (not a public interface).
#include <array>
#include <cstdint>
#include <vector>

#include "base/eval/coco_eval_types.h"
#include "base/eval/coco_evaluator.h"

namespace studio::eval_detail {

constexpr std::size_t kAreas = 4;
constexpr std::uint8_t kMatched = 1;  // dtMatches != 0
constexpr std::uint8_t kIgnored = 2;  // dtIgnore

struct DtBox {
    double x, y, w, h, area, score;
    std::uint64_t id;  // position in the results + 1, as loadRes numbers them
};

/// What evaluateImg produces for one category, all images concatenated in image order (E in
/// accumulate).
struct ClassDets {
    std::size_t numT = 0;
    std::vector<double>
        score;  // per detection (each image's detections sorted, top maxDets.back())
    std::vector<std::uint32_t> rank;  // position within its image's sorted detections
    std::vector<std::uint8_t> flags;  // [detection][area][threshold]
    std::array<std::uint64_t, kAreas> groundTruth{};  // npig: boxes not ignored, per area range
};

/// pycocotools' computeIoU + evaluateImg for one (image, category), all area ranges: appends the
/// image's detections (already sorted by score and cut to maxDets.back()) with their flags to
/// `out`.
void evaluateImage(const std::vector<const CocoEvaluator::GtBox*>& gt, const std::vector<DtBox>& dt,
                   const std::vector<double>& iouThresholds, ClassDets& out);

/// pycocotools' accumulate for one category: writes precision[:, :, k, :, :] and recall[:, k, :,
/// :].
void accumulateClass(const ClassDets& dets, std::size_t k, EvalResult& result);

/// The 12 stats (rfdetr's summarize: AP uses maxDets[2]) and the per-class AP.
void summarize(EvalResult& result);

}  // namespace studio::eval_detail
