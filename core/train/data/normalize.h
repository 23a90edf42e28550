#pragma once
// ToTensor + Normalize(ImageNet mean/std) as torchvision computes them in float32:
// ((float)v / 255 - mean[c]) / std[c], channels planar (CHW).
#include "base/image/rgb_image.h"

namespace studio::train {

constexpr float kImageNetMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kImageNetStd[3] = {0.229f, 0.224f, 0.225f};

/// The normalised value of an 8-bit sample of channel c (0 R, 1 G, 2 B).
float normalizedValue(int channel, int value);

/// Writes the image as normalised float32 CHW (3 * height * width floats) to `out`. Any thread.
void normalizeToChw(const studio::RgbImage& image, float* out);

}  // namespace studio::train
