#include "train/cli/detection_overlay.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <vector>

#include "stb_easy_font.h"  // header-only, every function static

namespace studio::train {

namespace {

using Color = std::array<std::uint8_t, 3>;

Color palette(int i) {
    static const Color kColors[] = {{230, 25, 75},  {60, 180, 75},  {0, 130, 200},  {245, 130, 48}, {145, 30, 180},
                                    {70, 240, 240}, {240, 50, 230}, {210, 245, 60}, {250, 190, 212}, {0, 128, 128}};
    return kColors[static_cast<unsigned>(i) % (sizeof kColors / sizeof kColors[0])];
}

void fillRect(RgbImage& img, int x0, int y0, int x1, int y1, Color c) {
    x0 = std::max(x0, 0);
    y0 = std::max(y0, 0);
    x1 = std::min(x1, img.width);
    y1 = std::min(y1, img.height);
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) {
            std::uint8_t* p = &img.pixels[(static_cast<std::size_t>(y) * img.width + x) * 3];
            p[0] = c[0];
            p[1] = c[1];
            p[2] = c[2];
        }
}

void drawText(RgbImage& img, int x, int y, const std::string& text, int scale, Color c) {
    std::vector<float> buffer(text.size() * 16 * 16 + 64);  // stb: at most ~15 quads of 64 bytes per glyph
    std::string copy = text;
    const int quads = stb_easy_font_print(0, 0, copy.data(), nullptr, buffer.data(),
                                          static_cast<int>(buffer.size() * sizeof(float)));
    const float* v = buffer.data();
    for (int q = 0; q < quads; ++q) {
        const float* quad = v + q * 16;  // 4 vertices of x, y, z, colour (4 floats each)
        const int qx0 = static_cast<int>(quad[0]), qy0 = static_cast<int>(quad[1]);
        const int qx1 = static_cast<int>(quad[8]), qy1 = static_cast<int>(quad[9]);
        fillRect(img, x + qx0 * scale, y + qy0 * scale, x + qx1 * scale, y + qy1 * scale, c);
    }
}

int captionScale(const RgbImage& image) { return std::max(1, std::min(image.width, image.height) / 400); }

}  // namespace

int overlayCaptionWidth(const RgbImage& image, const std::string& caption) {
    std::string copy = caption;
    return stb_easy_font_width(copy.data()) * captionScale(image) + 4;
}

void drawOverlay(RgbImage& image, const std::vector<OverlayBox>& boxes) {
    const int thick = std::max(1, std::min(image.width, image.height) / 300);
    const int scale = captionScale(image);
    for (const auto& b : boxes) {
        const Color c = palette(b.colorIndex);
        const int x0 = static_cast<int>(std::floor(b.x1)), y0 = static_cast<int>(std::floor(b.y1));
        const int x1 = static_cast<int>(std::ceil(b.x2)), y1 = static_cast<int>(std::ceil(b.y2));
        fillRect(image, x0, y0, x1, y0 + thick, c);
        fillRect(image, x0, y1 - thick, x1, y1, c);
        fillRect(image, x0, y0, x0 + thick, y1, c);
        fillRect(image, x1 - thick, y0, x1, y1, c);
        if (!b.caption.empty()) {
            const int tw = overlayCaptionWidth(image, b.caption);
            const int th = 10 * scale;
            const int ty = y0 - th >= 0 ? y0 - th : y0;
            fillRect(image, x0, ty, x0 + tw, ty + th, c);
            drawText(image, x0 + 2, ty + scale, b.caption, scale, {255, 255, 255});
        }
    }
}

}  // namespace studio::train
