#pragma once
// Helpers shared by the decoder tests: a test picture, image comparison, exception matching.
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/image/rgb_image.h"

namespace dec_test {

using studio::RgbImage;

// A smooth, asymmetric test picture (JPEG-friendly): every pixel distinct enough to catch transposes.
inline RgbImage pattern(int w, int h) {
    RgbImage img(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            std::uint8_t* p = img.at(x, y);
            p[0] = std::uint8_t(x * 255 / std::max(1, w - 1));
            p[1] = std::uint8_t(y * 255 / std::max(1, h - 1));
            p[2] = std::uint8_t((x + 2 * y) * 255 / std::max(1, w + 2 * h - 3));
        }
    return img;
}

inline std::uint8_t grayOf(int x, int y) { return std::uint8_t((x * 7 + y * 13) & 255); }

inline double meanAbsDiff(const RgbImage& a, const RgbImage& b) {
    if (a.width != b.width || a.height != b.height) return 1e9;
    double s = 0;
    for (std::size_t i = 0; i < a.pixels.size(); ++i) s += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
    return s / double(a.pixels.size());
}

inline bool throwsWith(const std::function<void()>& f, const std::vector<std::string>& needles, std::string* msg = nullptr) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        if (msg) *msg = e.what();
        for (const auto& n : needles)
            if (std::string(e.what()).find(n) == std::string::npos) return false;
        return true;
    }
    return false;
}

// Packs samples of `bits` into PNG rows (MSB first).
inline std::vector<std::uint8_t> packBits(const std::vector<int>& samples, int w, int h, int bits) {
    const int rowBytes = (w * bits + 7) / 8;
    std::vector<std::uint8_t> out(std::size_t(rowBytes) * h, 0);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int bit = x * bits;
            out[std::size_t(y) * rowBytes + bit / 8] |= std::uint8_t(samples[std::size_t(y) * w + x] << (8 - bits - bit % 8));
        }
    return out;
}

}  // namespace dec_test
