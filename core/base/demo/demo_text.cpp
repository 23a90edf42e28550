#include "base/demo/demo_text.h"

#include <algorithm>

namespace studio::demo {

int glyphAdvance(const TextStyle& s) { return std::max(4, s.glyphHeight * 6 / 10) + s.weight; }

int wordWidth(int chars, const TextStyle& s) { return chars * glyphAdvance(s); }

int drawWord(Canvas& c, DemoRng& rng, int x, int top, int chars, const TextStyle& s) {
    const int adv = glyphAdvance(s);
    const int gw = adv - s.weight - 1, gh = s.glyphHeight;
    for (int i = 0; i < chars; ++i) {
        const int gx = x + i * adv;
        // Grid points: columns 0..2, rows 0..4 of the glyph box; 2-4 strokes between random points.
        auto px = [&](int col) { return gx + col * gw / 2; };
        auto py = [&](int row) { return top + row * gh / 4; };
        const int strokes = rng.range(2, 4);
        for (int k = 0; k < strokes; ++k) {
            const int kind = rng.range(0, 9);
            if (kind < 3) {  // vertical stem
                const int col = rng.range(0, 2);
                c.line(px(col), py(rng.range(0, 1)), px(col), py(rng.range(3, 4)), s.weight, s.ink);
            } else if (kind < 6) {  // horizontal bar
                const int row = rng.range(0, 4);
                c.line(px(0), py(row), px(rng.range(1, 2)), py(row), s.weight, s.ink);
            } else if (kind < 8) {  // diagonal
                c.line(px(rng.range(0, 2)), py(rng.range(0, 2)), px(rng.range(0, 2)), py(rng.range(2, 4)), s.weight,
                       s.ink);
            } else {  // bowl
                c.curve(px(0), py(2), px(rng.range(0, 2)), py(rng.range(3, 5)), px(2), py(2), s.weight, s.ink);
            }
        }
    }
    return chars * adv;
}

int drawWords(Canvas& c, DemoRng& rng, int x, int top, int maxWidth, int words, const TextStyle& s) {
    const int adv = glyphAdvance(s);
    int used = 0;
    for (int w = 0; w < words; ++w) {
        const int gap = w > 0 ? adv : 0;
        const int room = (maxWidth - used - gap) / adv;  // characters that still fit
        if (room < 1) break;
        const int chars = std::min(rng.range(2, 9), room);
        used += gap + drawWord(c, rng, x + used + gap, top, chars, s);
    }
    return used;
}

}  // namespace studio::demo
