#pragma once
// Minimal raster drawing for the synthetic form pages: rectangles, thick lines, circles and curves on an
// RgbImage, integer geometry, clipped to the image. Deterministic (no floating-point blending).
#include <cstdint>

#include "base/image/rgb_image.h"

namespace studio::demo {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
};

class Canvas {
public:
    explicit Canvas(RgbImage& image) : m_image(image) {}
    int width() const { return m_image.width; }
    int height() const { return m_image.height; }

    /// Fills [x0, x1) x [y0, y1).
    void fillRect(int x0, int y0, int x1, int y1, Rgb c);
    /// Outline of [x0, x1) x [y0, y1) with the given thickness drawn inside.
    void strokeRect(int x0, int y0, int x1, int y1, int thickness, Rgb c);
    /// A line of the given thickness between two points (square pen).
    void line(int x0, int y0, int x1, int y1, int thickness, Rgb c);
    /// Circle outline (centre, radius, thickness) and filled disc.
    void circle(int cx, int cy, int radius, int thickness, Rgb c);
    void disc(int cx, int cy, int radius, Rgb c);
    /// Quadratic Bezier curve through (x0, y0) -> (x2, y2) with control point (x1, y1).
    void curve(int x0, int y0, int x1, int y1, int x2, int y2, int thickness, Rgb c);

private:
    void put(int x, int y, Rgb c);
    RgbImage& m_image;
};

}  // namespace studio::demo
