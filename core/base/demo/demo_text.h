#pragma once
// Glyph-like printed text for the demo pages: words made of short strokes on a 3x5 grid per character,
// so the detector learns to ignore printed text next to fields (no fonts needed, fully deterministic).
#include "base/demo/demo_canvas.h"
#include "base/demo/demo_rng.h"

namespace studio::demo {

struct TextStyle {
    int glyphHeight = 12;  // cap height in pixels
    int weight = 1;        // stroke thickness
    Rgb ink{20, 20, 20};
};

/// Horizontal advance of one character and of a word of n characters.
int glyphAdvance(const TextStyle& style);
int wordWidth(int chars, const TextStyle& style);
/// Draws a word at (x, top) and returns its width.
int drawWord(Canvas& canvas, DemoRng& rng, int x, int top, int chars, const TextStyle& style);
/// Draws up to `words` words of random length from x within maxWidth; returns the width used.
int drawWords(Canvas& canvas, DemoRng& rng, int x, int top, int maxWidth, int words, const TextStyle& style);

}  // namespace studio::demo
