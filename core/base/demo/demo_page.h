#pragma once
// One synthetic form page for the built-in demo dataset: text inputs (boxes, underlines, comb fields,
// table cells), checkboxes and radio buttons, signature lines, among printed glyph-like text, section rules,
// tables and header bars — with the boxes of the fillable areas in CommonForms' classes.
#include <cstdint>
#include <vector>

#include "base/image/rgb_image.h"

namespace studio::demo {

/// Category ids in the Roboflow convention (0 is the dataset-level "forms" super-category).
enum DemoCategory : int { kText = 1, kCheckBox = 2, kSignature = 3 };

struct DemoBox {
    int category = kText;
    int x = 0, y = 0, w = 0, h = 0;  // pixels, top-left corner
};

struct DemoPage {
    RgbImage image;
    std::vector<DemoBox> boxes;
};

/// Renders the page for `seed` at width x height. Print sizes (glyphs, fields, margins) scale with
/// width / layoutWidth: at layoutWidth pixels wide they have their base size (a 9-14 px body text), so a
/// page narrower than an 800 px layout holds a shorter form with relatively larger fields. Same seed and
/// sizes, same pixels and boxes, on every machine. Any thread.
DemoPage renderDemoPage(std::uint64_t seed, int width, int height, int layoutWidth = 800);

}  // namespace studio::demo
