#pragma once
// Draws detections onto an RGB image: a box outline per detection and a "name 0.93" tag above it.
#include <string>
#include <vector>

#include "train/cli/image_file.h"

namespace studio::train {

struct OverlayBox {
    float x1, y1, x2, y2;  // pixels
    int colorIndex;        // picks a distinct colour (the class id)
    std::string caption;   // "checkbox 0.93"
};

/// Width in pixels of the tag drawOverlay puts above a box captioned `caption` on `image` (its font scale
/// follows the image size).
int overlayCaptionWidth(const RgbImage& image, const std::string& caption);

/// Draws `boxes` in place; coordinates outside the image are clipped.
void drawOverlay(RgbImage& image, const std::vector<OverlayBox>& boxes);

}  // namespace studio::train
