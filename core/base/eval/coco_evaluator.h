#pragma once
// COCO bbox evaluation with exactly pycocotools' semantics (COCOeval, iouType="bbox"): area ranges
// from each annotation's "area" field, crowd boxes as ignore regions (IoU over the detection's
// area), per image the top maxDets detections by score, stable score and IoU tie-breaking, IoU >=
// threshold, 101 recall points, -1 where undefined. Quirks kept on purpose, because results must
// equal pycocotools': a match to a ground-truth box whose annotation id is 0 counts as a false
// positive, and repeated annotation ids resolve to the last annotation with that id (pycocotools'
// COCO.anns dict).
#include <cstdint>
#include <vector>

#include "base/coco/coco_index.h"
#include "base/eval/coco_eval_types.h"

namespace studio {

class CocoEvaluator {
  public:
    /// Copies what it needs from `groundTruth` (boxes, ids, categories); the index may go away
    /// afterwards.
    explicit CocoEvaluator(const CocoIndex& groundTruth);

    /// Evaluates `detections` (in results-file order). Throws std::invalid_argument, naming them,
    /// when a detection's image is not in the ground truth (pycocotools' loadRes refuses such
    /// results) or when maxDets has fewer than 3 values. Detections of categories not in the ground
    /// truth are ignored, as in pycocotools. Thread-safe (const); uses up to one thread per
    /// category.
    EvalResult evaluate(const std::vector<Detection>& detections,
                        const EvalParams& params = {}) const;

    const std::vector<CocoCategory>& categories() const { return m_categories; }
    std::size_t numImages() const { return m_imageIds.size(); }

    struct GtBox {
        double x, y, w, h, area;
        std::int64_t id;
        std::int64_t categoryId;
        std::uint8_t crowd;
    };

  private:
    std::vector<std::int64_t> m_imageIds;      // ground-truth images, index order
    std::vector<std::size_t> m_firstBox;       // per image: first box in m_boxes (size images + 1)
    std::vector<GtBox> m_boxes;                // per image, in file order
    std::vector<std::uint64_t> m_fileOrdinal;  // per box: position in the annotation file
    std::vector<CocoCategory> m_categories;
    bool m_repeatedAnnotationIds = false;
};

}  // namespace studio
