#include "base/image/rgb_image.h"

namespace studio {

RgbImage::RgbImage(int w, int h, std::uint8_t r, std::uint8_t g, std::uint8_t b)
    : width(w), height(h), pixels(static_cast<std::size_t>(w > 0 ? w : 0) * (h > 0 ? h : 0) * 3, r) {
    if (r == g && r == b) return;  // filled by the vector constructor (memset speed)
    for (std::size_t i = 0; i < pixels.size(); i += 3) {
        pixels[i] = r;
        pixels[i + 1] = g;
        pixels[i + 2] = b;
    }
}

}  // namespace studio
