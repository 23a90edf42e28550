#include "base/demo/demo_page.h"

#include <algorithm>

#include "base/demo/demo_canvas.h"
#include "base/demo/demo_rng.h"
#include "base/demo/demo_text.h"

namespace studio::demo {

namespace {

// Lays out elements top to bottom; each add* returns false when the element does not fit.
class PageBuilder {
public:
    PageBuilder(DemoPage& page, std::uint64_t seed, int layoutWidth)
        : m_page(page), m_canvas(page.image), m_rng(seed), m_unit(double(page.image.width) / layoutWidth) {
        const int ink = m_rng.range(0, 70);
        const int blue = m_rng.chance(40) ? m_rng.range(10, 40) : 0;  // most pages are printed in grey
        m_ink = Rgb{std::uint8_t(ink), std::uint8_t(ink), std::uint8_t(ink + blue)};
        m_body.glyphHeight = px(m_rng.range(9, 14));
        m_body.weight = std::max(1, px(2));  // 2 px strokes at the base size: visible after downscaling to a CPU resolution
        m_body.ink = m_ink;
        m_bold = m_body;
        m_bold.weight = m_body.weight + 1;
        // Margins follow the paper, not the print size: large print still fills the page.
        m_left = paper(m_rng.range(40, 70));
        m_right = m_page.image.width - paper(m_rng.range(40, 70));
        m_bottom = m_page.image.height - paper(m_rng.range(50, 80));
        m_y = paper(m_rng.range(35, 60));
        m_fieldFill = m_rng.chance(30) ? Rgb{std::uint8_t(m_rng.range(215, 240)), std::uint8_t(m_rng.range(228, 245)), 255}
                                       : Rgb{255, 255, 255};
    }

    void build() {
        addHeader();
        int signatures = 0;
        while (m_y < m_bottom) {
            const int pick = m_rng.range(0, 99);
            bool ok;
            if (pick < 40) ok = addFieldRow();
            else if (pick < 56) ok = addChoiceGroup(false);
            else if (pick < 65) ok = addChoiceGroup(true);
            else if (pick < 74) ok = addParagraph();
            else if (pick < 84) ok = addTable();
            else if (pick < 90) ok = addSectionRule();
            else ok = signatures < 2 && addSignatureRow() && ++signatures;
            if (!ok && m_bottom - m_y < px(60)) break;
        }
        addFooter();
    }

private:
    int px(int v) const { return std::max(1, int(v * m_unit + 0.5)); }
    int paper(int v) const { return std::max(1, int(v * m_page.image.width / 800.0 + 0.5)); }  // of an 800 px page
    bool fits(int h) const { return m_y + h <= m_bottom; }
    void annotate(int category, int x0, int y0, int x1, int y1) {
        m_page.boxes.push_back(DemoBox{category, x0, y0, x1 - x0, y1 - y0});
    }
    int lineHeight(const TextStyle& s) const { return s.glyphHeight + px(8); }

    void addHeader() {
        TextStyle title = m_bold;
        title.glyphHeight = px(m_rng.range(18, 26));
        title.weight = m_bold.weight + (m_rng.chance(50) ? 1 : 0);
        if (m_rng.chance(35)) {  // coloured header bar with light text
            const Rgb bar{std::uint8_t(m_rng.range(20, 90)), std::uint8_t(m_rng.range(40, 110)),
                          std::uint8_t(m_rng.range(90, 170))};
            const int h = title.glyphHeight + px(20);
            m_canvas.fillRect(m_left, m_y, m_right, m_y + h, bar);
            title.ink = Rgb{250, 250, 250};
            drawWords(m_canvas, m_rng, m_left + px(12), m_y + px(10), m_right - m_left - px(24), m_rng.range(2, 5), title);
            m_y += h + px(16);
        } else {
            drawWords(m_canvas, m_rng, m_left, m_y, m_right - m_left, m_rng.range(2, 6), title);
            if (m_rng.chance(40)) m_canvas.disc(m_right - px(30), m_y + title.glyphHeight / 2, px(18), m_ink);  // a logo
            m_y += title.glyphHeight + px(18);
        }
        if (m_rng.chance(35)) addParagraph();
    }

    void addFooter() {
        const int room = m_page.image.height - m_bottom;  // below the content
        if (room < m_body.glyphHeight + 4) return;
        const int y = m_bottom + (room - m_body.glyphHeight) / 2;
        drawWords(m_canvas, m_rng, m_left, y, px(160), 3, m_body);
        drawWord(m_canvas, m_rng, m_right - px(30), y, 2, m_body);
    }

    bool addParagraph() {
        const int lines = m_rng.range(1, 3);
        const int lh = lineHeight(m_body);
        if (!fits(lines * lh)) return false;
        for (int i = 0; i < lines; ++i) {
            const int width = i + 1 == lines ? (m_right - m_left) * m_rng.range(30, 90) / 100 : m_right - m_left;
            drawWords(m_canvas, m_rng, m_left, m_y + i * lh, width, 40, m_body);
        }
        m_y += lines * lh + px(m_rng.range(8, 18));
        return true;
    }

    bool addSectionRule() {
        const int h = lineHeight(m_bold) + px(10);
        if (!fits(h)) return false;
        drawWords(m_canvas, m_rng, m_left, m_y, (m_right - m_left) / 2, m_rng.range(1, 4), m_bold);
        m_canvas.fillRect(m_left, m_y + h - px(6), m_right, m_y + h - px(6) + m_bold.weight, m_ink);
        m_y += h + px(8);
        return true;
    }

    // One row of 1-3 labelled text inputs (box, underline or comb).
    bool addFieldRow() {
        const int fieldH = m_body.glyphHeight + px(m_rng.range(8, 16));
        const int rowH = fieldH + px(6);
        if (!fits(rowH)) return false;
        const int columns = std::min(m_rng.range(1, 3), std::max(1, (m_right - m_left) / px(150)));  // fields >= ~50 px
        const int colW = (m_right - m_left) / columns;
        const int style = m_rng.range(0, 9);  // same style across the row
        for (int c = 0; c < columns; ++c) {
            const int x0 = m_left + c * colW;
            const int labelTop = m_y + (fieldH - m_body.glyphHeight) / 2;
            const int label = drawWords(m_canvas, m_rng, x0, labelTop, colW / 2, m_rng.range(1, 3), m_body);
            const int fx0 = x0 + label + px(8), fx1 = x0 + colW - px(12);
            if (fx1 - fx0 < px(50)) continue;
            if (style < 5) {  // outlined box
                m_canvas.fillRect(fx0, m_y, fx1, m_y + fieldH, m_fieldFill);
                m_canvas.strokeRect(fx0, m_y, fx1, m_y + fieldH, m_body.weight, m_ink);
            } else if (style < 8) {  // underline: the writing area above it is the field
                m_canvas.fillRect(fx0, m_y + fieldH - m_body.weight, fx1, m_y + fieldH, m_ink);
            } else {  // comb field with character cells
                m_canvas.strokeRect(fx0, m_y, fx1, m_y + fieldH, m_body.weight, m_ink);
                const int cell = std::max(px(14), fieldH * 3 / 4);
                for (int x = fx0 + cell; x < fx1 - px(4); x += cell)
                    m_canvas.fillRect(x, m_y + fieldH / 2, x + m_body.weight, m_y + fieldH, m_ink);
            }
            annotate(kText, fx0, m_y, fx1, m_y + fieldH);
        }
        m_y += rowH + px(m_rng.range(6, 16));
        return true;
    }

    // A question and 2-5 checkboxes or radio buttons, in a line or stacked.
    bool addChoiceGroup(bool radio) {
        const int size = std::max(px(9), m_body.glyphHeight + px(m_rng.range(-1, 4)));
        const int options = m_rng.range(2, 5);
        const bool stacked = m_rng.chance(35);
        const int lh = std::max(size, m_body.glyphHeight) + px(8);
        const int h = lh * (stacked ? options + 1 : 1);
        if (!fits(h)) return false;
        int x = m_left + drawWords(m_canvas, m_rng, m_left, m_y, (m_right - m_left) / 3, m_rng.range(2, 6), m_body) + px(16);
        int y = m_y;
        for (int i = 0; i < options; ++i) {
            if (stacked) {
                x = m_left + px(20);
                y += lh;
            }
            const int labelW = wordWidth(m_rng.range(2, 8), m_body);
            if (x + size + px(6) + labelW > m_right) break;
            const int top = y + (m_body.glyphHeight - size) / 2;
            if (radio) {
                const int r = size / 2;
                m_canvas.circle(x + r, top + r, r, m_body.weight, m_ink);
                if (m_rng.chance(20)) m_canvas.disc(x + r, top + r, std::max(1, r / 2), m_ink);
            } else {
                m_canvas.fillRect(x, top, x + size, top + size, m_fieldFill);
                m_canvas.strokeRect(x, top, x + size, top + size, m_body.weight, m_ink);
                if (m_rng.chance(20)) {  // ticked
                    m_canvas.line(x + size / 5, top + size / 2, x + size / 2, top + size * 4 / 5, m_body.weight + 1, m_ink);
                    m_canvas.line(x + size / 2, top + size * 4 / 5, x + size * 4 / 5, top + size / 5, m_body.weight + 1, m_ink);
                }
            }
            annotate(kCheckBox, x, top, x + size, top + size);
            drawWords(m_canvas, m_rng, x + size + px(6), y, labelW, 1, m_body);
            x += size + px(6) + labelW + px(m_rng.range(18, 40));
        }
        m_y += h + px(m_rng.range(8, 16));
        return true;
    }

    // A grid with a header row; the first column is printed, empty cells are fillable.
    bool addTable() {
        const int rows = m_rng.range(3, 6), cols = m_rng.range(3, 5);
        const int rowH = m_body.glyphHeight + px(m_rng.range(10, 16));
        if (!fits(rows * rowH + px(8))) return false;
        const int w = m_right - m_left, colW = w / cols;
        const bool shadedHeader = m_rng.chance(50);
        if (shadedHeader) m_canvas.fillRect(m_left, m_y, m_right, m_y + rowH, Rgb{225, 225, 225});
        for (int r = 0; r <= rows; ++r) m_canvas.fillRect(m_left, m_y + r * rowH, m_right, m_y + r * rowH + m_body.weight, m_ink);
        for (int c = 0; c <= cols; ++c) {
            const int x = c == cols ? m_right - m_body.weight : m_left + c * colW;
            m_canvas.fillRect(x, m_y, x + m_body.weight, m_y + rows * rowH, m_ink);
        }
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) {
                const int x0 = m_left + c * colW, y0 = m_y + r * rowH;
                const int x1 = c + 1 == cols ? m_right - m_body.weight : x0 + colW;
                const int textTop = y0 + (rowH - m_body.glyphHeight) / 2;
                if (r == 0 || c == 0 || m_rng.chance(15)) {
                    drawWords(m_canvas, m_rng, x0 + px(6), textTop, colW - px(12), r == 0 ? 2 : 3, r == 0 ? m_bold : m_body);
                } else {
                    annotate(kText, x0 + m_body.weight, y0 + m_body.weight, x1, y0 + rowH);
                }
            }
        m_y += rows * rowH + px(m_rng.range(12, 24));
        return true;
    }

    // "Signature" label and line (the signing area above it), often with a date field.
    bool addSignatureRow() {
        const int areaH = px(m_rng.range(26, 44));
        if (!fits(areaH + px(10))) return false;
        const int baseline = m_y + areaH;
        const int label = drawWords(m_canvas, m_rng, m_left, baseline - m_body.glyphHeight, px(140), m_rng.range(1, 2), m_bold);
        const int x0 = m_left + label + px(10);
        const int x1 = std::min(m_right, x0 + px(m_rng.range(200, 340)));
        m_canvas.fillRect(x0, baseline - m_body.weight, x1, baseline, m_ink);
        annotate(kSignature, x0, m_y, x1, baseline);
        if (m_rng.chance(70) && m_right - x1 > px(180)) {
            const int dx = x1 + px(24);
            const int dl = drawWord(m_canvas, m_rng, dx, baseline - m_body.glyphHeight, 4, m_body);
            const int fx0 = dx + dl + px(8), fx1 = std::min(m_right, fx0 + px(120));
            const int fieldH = m_body.glyphHeight + px(10);
            m_canvas.fillRect(fx0, baseline - m_body.weight, fx1, baseline, m_ink);
            annotate(kText, fx0, baseline - fieldH, fx1, baseline);
        }
        m_y += areaH + px(m_rng.range(14, 26));
        return true;
    }

    DemoPage& m_page;
    Canvas m_canvas;
    DemoRng m_rng;
    double m_unit;
    Rgb m_ink, m_fieldFill;
    TextStyle m_body, m_bold;
    int m_left = 0, m_right = 0, m_bottom = 0, m_y = 0;
};

}  // namespace

DemoPage renderDemoPage(std::uint64_t seed, int width, int height, int layoutWidth) {
    DemoRng rng(seed);
    const int paper = 255 - rng.range(0, 8);  // white, greyish or yellowish paper
    const int yellow = rng.chance(20) ? rng.range(1, 6) : 0;
    DemoPage page;
    page.image = RgbImage(width, height, std::uint8_t(paper), std::uint8_t(paper), std::uint8_t(paper - yellow));
    PageBuilder(page, rng.next(), layoutWidth).build();
    return page;
}

}  // namespace studio::demo
