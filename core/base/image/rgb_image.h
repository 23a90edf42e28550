#pragma once
// An 8-bit RGB image in memory: rows top to bottom, pixels interleaved R,G,B, no row padding.
// The common currency of the decoders, the augmentations, the demo generator and the PNG writer.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace studio {

struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels;  // width * height * 3 bytes

    RgbImage() = default;
    /// A width x height image filled with one colour.
    RgbImage(int w, int h, std::uint8_t r = 0, std::uint8_t g = 0, std::uint8_t b = 0);

    bool empty() const { return width <= 0 || height <= 0; }
    std::size_t rowBytes() const { return static_cast<std::size_t>(width) * 3; }
    std::uint8_t* row(int y) { return pixels.data() + static_cast<std::size_t>(y) * rowBytes(); }
    const std::uint8_t* row(int y) const {
        return pixels.data() + static_cast<std::size_t>(y) * rowBytes();
    }
    std::uint8_t* at(int x, int y) { return row(y) + static_cast<std::size_t>(x) * 3; }
    const std::uint8_t* at(int x, int y) const { return row(y) + static_cast<std::size_t>(x) * 3; }
};

}  // namespace studio
