#pragma once
// PNG encoding with libpng (8-bit RGB, or 8-bit grayscale when every pixel is gray and the caller allows
// it). Used by the demo-dataset generator and `rfdetr-train predict --output`.
#include <string>

#include "base/image/rgb_image.h"

namespace studio {

struct PngWriteOptions {
    int compressionLevel = 6;       // zlib level 0..9
    bool grayWhenPossible = false;  // store as 8-bit gray when R == G == B everywhere (smaller files)
    bool upFilterOnly = false;      // PNG "Up" filter only: 2-3x faster on documents, files ~5% larger
};

/// The PNG file bytes of `image`. Throws std::invalid_argument for an empty image and
/// std::runtime_error when libpng fails. Any thread.
std::string encodePng(const RgbImage& image, const PngWriteOptions& options = {});

/// Encodes `image` and writes it to `path` atomically (base/util/atomic_file.h): the file appears only
/// complete. Throws std::runtime_error naming the file on failure. Any thread.
void writePng(const std::string& path, const RgbImage& image, const PngWriteOptions& options = {});

}  // namespace studio
