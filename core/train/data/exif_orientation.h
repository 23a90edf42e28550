#pragma once
// EXIF orientation: reading tag 0x0112 from a JPEG APP1 "Exif" segment and applying it to pixels.
#include <cstddef>
#include <cstdint>

#include "base/image/rgb_image.h"

namespace studio::train {

/// Orientation 1..8 from the payload of an APP1 segment (starting with "Exif\0\0"); 1 when the segment
/// is not EXIF, has no orientation tag, or is malformed (never reads out of bounds). Any thread.
int exifOrientation(const std::uint8_t* app1, std::size_t size);

/// The image as displayed for `orientation` (2 mirror, 3 rotate 180, 4 flip vertical, 5 transpose,
/// 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise; 1 and unknown: unchanged).
studio::RgbImage applyOrientation(const studio::RgbImage& image, int orientation);

}  // namespace studio::train
