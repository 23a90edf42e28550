#include "train/data/sample_transforms.h"

#include <algorithm>
#include <tuple>
#include <stdexcept>

#include "train/data/resample.h"

namespace studio::train {

TransformPlan planTrainTransform(int width, int height, const TrainAugment& a, SampleRng& rng) {
    if (width <= 0 || height <= 0) throw std::invalid_argument("planTrainTransform: empty image");
    if (a.shortSides.empty() || a.squareSize <= 0 || a.cropMin <= 0 || a.cropMax < a.cropMin)
        throw std::invalid_argument("planTrainTransform: bad augmentation settings");
    TransformPlan p;
    p.sourceWidth = width;
    p.sourceHeight = height;
    p.outSize = a.squareSize;
    p.flip = rng.bernoulli(a.flipProbability);
    if (rng.bernoulli(a.squareProbability)) return p;
    p.resizeCrop = true;
    const int side = a.shortSides[std::size_t(rng.uniformInt(0, int(a.shortSides.size()) - 1))];
    std::tie(p.midWidth, p.midHeight) = shorterSideResize(width, height, side);
    // RandomSizeCrop: w ~ U{min..min(W, max)}, h likewise (an image smaller than cropMin is taken whole:
    // rfdetr would raise here; the short sides are >= 400 so it never happens with the defaults).
    const int maxW = std::min(p.midWidth, a.cropMax), maxH = std::min(p.midHeight, a.cropMax);
    p.cropWidth = maxW < a.cropMin ? p.midWidth : rng.uniformInt(a.cropMin, maxW);
    p.cropHeight = maxH < a.cropMin ? p.midHeight : rng.uniformInt(a.cropMin, maxH);
    p.cropY = rng.uniformInt(0, p.midHeight - p.cropHeight);
    p.cropX = rng.uniformInt(0, p.midWidth - p.cropWidth);
    return p;
}

TransformPlan planEvalTransform(int width, int height, int size) {
    if (width <= 0 || height <= 0 || size <= 0) throw std::invalid_argument("planEvalTransform: bad size");
    TransformPlan p;
    p.sourceWidth = width;
    p.sourceHeight = height;
    p.outSize = size;
    return p;
}

std::pair<int, int> shorterSideResize(int w, int h, int size) {
    if ((w <= h && w == size) || (h <= w && h == size)) return {w, h};
    if (w < h) return {size, int(double(size) * h / w)};
    return {int(double(size) * w / h), size};
}

Annotations cocoToAnnotations(const std::vector<float>& xywh, const std::vector<std::int64_t>& labels,
                              const std::vector<std::uint8_t>& iscrowd, int width, int height) {
    Annotations out;
    const std::size_t n = labels.size();
    out.boxes.reserve(n);
    out.labels.reserve(n);
    const float w = float(width), h = float(height);
    for (std::size_t i = 0; i < n; ++i) {
        if (i < iscrowd.size() && iscrowd[i]) continue;
        const float* b = xywh.data() + 4 * i;
        BoxXyxy box{b[0], b[1], b[0] + b[2], b[1] + b[3]};
        box.x1 = std::clamp(box.x1, 0.f, w);
        box.x2 = std::clamp(box.x2, 0.f, w);
        box.y1 = std::clamp(box.y1, 0.f, h);
        box.y2 = std::clamp(box.y2, 0.f, h);
        if (!(box.x2 > box.x1 && box.y2 > box.y1)) continue;  // also drops NaN
        out.boxes.push_back(box);
        out.labels.push_back(labels[i]);
    }
    return out;
}

namespace {

void scaleBoxes(std::vector<BoxXyxy>& boxes, float sx, float sy) {
    for (auto& b : boxes) {
        b.x1 *= sx;
        b.x2 *= sx;
        b.y1 *= sy;
        b.y2 *= sy;
    }
}

}  // namespace

void transformBoxes(Annotations& a, const TransformPlan& p) {
    const float w = float(p.sourceWidth);
    if (p.flip) {
        for (auto& b : a.boxes) {
            const float x1 = w - b.x2, x2 = w - b.x1;
            b.x1 = x1;
            b.x2 = x2;
        }
    }
    // Ratios as rfdetr's resize computes them (Python floats, then a float32 tensor).
    auto ratio = [](int to, int from) { return float(double(to) / double(from)); };
    if (!p.resizeCrop) {
        scaleBoxes(a.boxes, ratio(p.outSize, p.sourceWidth), ratio(p.outSize, p.sourceHeight));
        return;
    }
    scaleBoxes(a.boxes, ratio(p.midWidth, p.sourceWidth), ratio(p.midHeight, p.sourceHeight));
    const float cw = float(p.cropWidth), ch = float(p.cropHeight);
    std::size_t kept = 0;
    for (std::size_t i = 0; i < a.boxes.size(); ++i) {
        BoxXyxy b = a.boxes[i];
        b.x1 = std::max(std::min(b.x1 - float(p.cropX), cw), 0.f);
        b.x2 = std::max(std::min(b.x2 - float(p.cropX), cw), 0.f);
        b.y1 = std::max(std::min(b.y1 - float(p.cropY), ch), 0.f);
        b.y2 = std::max(std::min(b.y2 - float(p.cropY), ch), 0.f);
        if (!(b.x2 > b.x1 && b.y2 > b.y1)) continue;
        a.boxes[kept] = b;
        a.labels[kept] = a.labels[i];
        ++kept;
    }
    a.boxes.resize(kept);
    a.labels.resize(kept);
    scaleBoxes(a.boxes, ratio(p.outSize, p.cropWidth), ratio(p.outSize, p.cropHeight));
}

RgbImage applyPlan(RowSource& rows, const TransformPlan& p) {
    if (!p.resizeCrop) return resizeRows(rows, ResizeWindow{p.outSize, p.outSize}, p.flip);
    const RgbImage crop = resizeRows(
        rows, ResizeWindow{p.midWidth, p.midHeight, p.cropX, p.cropY, p.cropWidth, p.cropHeight}, p.flip);
    return resizeImage(crop, p.outSize, p.outSize);
}

}  // namespace studio::train
