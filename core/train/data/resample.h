#pragma once
// Antialiased bilinear resizing with PIL's filter (Pillow Resample.c: triangle filter widened by the
// downscale factor, weights normalised per output pixel) — what torchvision's PIL path does for rfdetr.
// Separable and streaming: rows are pulled from a RowSource one at a time, only the source rows and
// columns that reach the requested output window are converted, and the full-size page is never held.
// Differences to PIL: the vertical pass runs first and the intermediate stays in float (PIL rounds it to
// 8 bits), so pixels may differ from PIL by at most 1. A flip is done by mirroring the output (exactly
// what PIL's symmetric filter gives up to float rounding). The inner loops use SSE2 and, where the CPU
// has it, AVX2; both give the same bits (no FMA contraction).
#include <vector>

#include "base/image/rgb_image.h"
#include "train/data/image_decoder.h"

namespace studio::train {

/// Filter taps of one axis: output i reads inputs first[i] .. first[i] + count[i] - 1 with weights
/// weights[i * taps + k] (summing to 1).
struct AxisWeights {
    int taps = 0;
    std::vector<int> first;
    std::vector<int> count;
    std::vector<float> weights;
};

/// PIL's coefficients for resizing an axis of `inSize` pixels to `outSize`, for the outputs
/// [outBegin, outEnd) of that resize (so a crop of a resize costs only the cropped pixels).
AxisWeights bilinearAxisWeights(int inSize, int outSize, int outBegin, int outEnd);

/// Resize the (optionally mirrored) source to outWidth x outHeight and keep the window at (x0, y0) of
/// size width x height (0 = the whole output).
struct ResizeWindow {
    int outWidth = 0, outHeight = 0;
    int x0 = 0, y0 = 0, width = 0, height = 0;
};

/// Resizes the rows of `rows` (mirrored left-right first when `flip`). Reads every row, so a truncated
/// file always fails. Throws std::invalid_argument for an empty or out-of-range window; decoder errors
/// pass through. Any thread (one source per call).
studio::RgbImage resizeRows(RowSource& rows, const ResizeWindow& window, bool flip = false);

/// Resizes an image in memory to width x height.
studio::RgbImage resizeImage(const studio::RgbImage& image, int width, int height);

/// The window [x0, x0+width) x [y0, y0+height) of an image (a copy). Throws std::invalid_argument when
/// the window is outside the image.
studio::RgbImage cropImage(const studio::RgbImage& image, int x0, int y0, int width, int height);

}  // namespace studio::train
