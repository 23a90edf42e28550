#pragma once
// RF-DETR's per-sample transforms (rfdetr-spec.md §6.7, datasets/transforms.py,
// make_coco_transforms_square_div_64):
//   train: RandomHorizontalFlip(0.5) -> RandomSelect(p=0.5,
//            SquareResize([S_max]),
//            RandomResize([400, 500, 600]) -> RandomSizeCrop(384, 600) -> SquareResize([S_max]))
//   eval:  SquareResize([resolution])
// The random choices are drawn first into a TransformPlan (from the image size alone), then applied to the
// boxes (transformBoxes) and to the pixels (applyPlan, streaming from the decoder).
#include <cstdint>
#include <vector>

#include "base/image/rgb_image.h"
#include "train/data/image_decoder.h"
#include "train/data/sample_rng.h"

namespace studio::train {

/// A box in pixels, corners (x1, y1) top-left and (x2, y2) bottom-right.
struct BoxXyxy {
    float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

/// Boxes with their class ids (COCO category ids, used as logit indices — §6.11).
struct Annotations {
    std::vector<BoxXyxy> boxes;
    std::vector<std::int64_t> labels;
};

/// The training augmentation's settings (rfdetr defaults; squareSize = the largest multi-scale value).
struct TrainAugment {
    int squareSize = 736;
    std::vector<int> shortSides = {400, 500, 600};  // RandomResize sizes (shorter side, no max size)
    int cropMin = 384;                              // RandomSizeCrop bounds
    int cropMax = 600;
    double flipProbability = 0.5;
    double squareProbability = 0.5;  // RandomSelect: plain square resize, else resize -> crop -> resize
};

/// The concrete choices for one sample.
struct TransformPlan {
    int sourceWidth = 0, sourceHeight = 0;  // full-resolution image size the plan was made for
    bool flip = false;
    bool resizeCrop = false;        // the RandomResize -> RandomSizeCrop branch
    int midWidth = 0, midHeight = 0;  // RandomResize output
    int cropX = 0, cropY = 0, cropWidth = 0, cropHeight = 0;  // RandomSizeCrop window in the mid image
    int outSize = 0;                // the final square side
};

/// Draws the train plan for an image of width x height (rfdetr's order of random draws: flip, select,
/// short side, crop width, crop height, crop top, crop left).
TransformPlan planTrainTransform(int width, int height, const TrainAugment& augment, SampleRng& rng);
/// The eval plan: square resize to `size`.
TransformPlan planEvalTransform(int width, int height, int size);

/// rfdetr's RandomResize size rule without max_size: (width, height) with the shorter side = `size`.
std::pair<int, int> shorterSideResize(int width, int height, int size);

/// ConvertCoco: COCO xywh boxes -> corners clamped to the image; empty boxes and crowd annotations
/// removed (their labels too).
Annotations cocoToAnnotations(const std::vector<float>& xywh, const std::vector<std::int64_t>& labels,
                              const std::vector<std::uint8_t>& iscrowd, int width, int height);

/// Moves boxes through the plan (flip, scale, crop with clipping; boxes left empty by the crop are
/// dropped with their labels, as rfdetr's crop). Output boxes are in pixels of the outSize square.
void transformBoxes(Annotations& annotations, const TransformPlan& plan);

/// The final square image: the rows of the decoded image (any resolution: a DCT-scaled JPEG gives the
/// same geometry) pushed through the plan. Reads the whole source.
studio::RgbImage applyPlan(RowSource& rows, const TransformPlan& plan);

}  // namespace studio::train
