#pragma once
// Image files for `rfdetr-train predict`: decode to 8-bit RGB (stb_image: JPEG, PNG, BMP, GIF, TGA, PSD,
// HDR, PNM) and write PNG (atomically). The data loader has its own decoders in train/data.
#include <cstdint>
#include <string>
#include <vector>

namespace studio::train {

struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;  // row-major, 3 bytes per pixel
};

/// Decodes `path` to RGB (grey and alpha are converted). Throws std::runtime_error naming the file and why.
RgbImage decodeImageFile(const std::string& path);

/// Writes `image` as PNG to `path` atomically. Throws std::runtime_error naming the file.
void writePngFile(const std::string& path, const RgbImage& image);

}  // namespace studio::train
