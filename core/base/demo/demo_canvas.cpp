#include "base/demo/demo_canvas.h"

#include <algorithm>
#include <cstdlib>

namespace studio::demo {

void Canvas::put(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= m_image.width || y >= m_image.height) return;
    std::uint8_t* p = m_image.at(x, y);
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
}

void Canvas::fillRect(int x0, int y0, int x1, int y1, Rgb c) {
    x0 = std::max(x0, 0);
    y0 = std::max(y0, 0);
    x1 = std::min(x1, m_image.width);
    y1 = std::min(y1, m_image.height);
    for (int y = y0; y < y1; ++y) {
        std::uint8_t* p = m_image.at(x0, y);
        for (int x = x0; x < x1; ++x, p += 3) {
            p[0] = c.r;
            p[1] = c.g;
            p[2] = c.b;
        }
    }
}

void Canvas::strokeRect(int x0, int y0, int x1, int y1, int t, Rgb c) {
    fillRect(x0, y0, x1, y0 + t, c);
    fillRect(x0, y1 - t, x1, y1, c);
    fillRect(x0, y0, x0 + t, y1, c);
    fillRect(x1 - t, y0, x1, y1, c);
}

void Canvas::line(int x0, int y0, int x1, int y1, int t, Rgb c) {
    // Bresenham, stamping a t x t square at every step.
    const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    const int half = (t - 1) / 2;
    for (;;) {
        fillRect(x0 - half, y0 - half, x0 - half + t, y0 - half + t, c);
        if (x0 == x1 && y0 == y1) break;
        const int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

void Canvas::circle(int cx, int cy, int r, int t, Rgb c) {
    const int outer = r * r, inner = std::max(0, r - t) * std::max(0, r - t);
    for (int y = -r; y <= r; ++y)
        for (int x = -r; x <= r; ++x) {
            const int d = x * x + y * y;
            if (d <= outer && d > inner) put(cx + x, cy + y, c);
        }
}

void Canvas::disc(int cx, int cy, int r, Rgb c) {
    for (int y = -r; y <= r; ++y)
        for (int x = -r; x <= r; ++x)
            if (x * x + y * y <= r * r) put(cx + x, cy + y, c);
}

void Canvas::curve(int x0, int y0, int x1, int y1, int x2, int y2, int t, Rgb c) {
    // Integer de Casteljau in 16 steps, joined by straight segments.
    constexpr int kSteps = 16;
    int px = x0, py = y0;
    for (int i = 1; i <= kSteps; ++i) {
        const int u = i, v = kSteps - i;
        const int x = (v * v * x0 + 2 * u * v * x1 + u * u * x2) / (kSteps * kSteps);
        const int y = (v * v * y0 + 2 * u * v * y1 + u * u * y2) / (kSteps * kSteps);
        line(px, py, x, y, t, c);
        px = x;
        py = y;
    }
}

}  // namespace studio::demo
