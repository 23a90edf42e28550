#include "train/data/normalize.h"

#include <array>
#include <cstddef>

namespace studio::train {

namespace {

struct Table {
    std::array<std::array<float, 256>, 3> v;
    Table() {
        for (int c = 0; c < 3; ++c) {
            for (int i = 0; i < 256; ++i) {
                // Same float32 operations as torchvision: div(255) then sub(mean).div(std).
                const float x = static_cast<float>(i) / 255.0f;
                v[c][i] = (x - kImageNetMean[c]) / kImageNetStd[c];
            }
        }
    }
};

const Table& table() {
    static const Table t;
    return t;
}

}  // namespace

float normalizedValue(int channel, int value) { return table().v[channel][value & 255]; }

void normalizeToChw(const RgbImage& image, float* out) {
    const auto& t = table().v;
    const std::size_t plane = std::size_t(image.width) * image.height;
    float* r = out;
    float* g = out + plane;
    float* b = out + 2 * plane;
    const std::uint8_t* p = image.pixels.data();
    for (std::size_t i = 0; i < plane; ++i, p += 3) {
        r[i] = t[0][p[0]];
        g[i] = t[1][p[1]];
        b[i] = t[2][p[2]];
    }
}

}  // namespace studio::train
