// The PIL-style resampler: Pillow's coefficients, parity with Pillow's output (golden file written by
// tests/tools/make_resize_golden.py), crops of resizes, flips, and streaming from a row source.
#include <QtTest>

#include <fstream>

#include <nlohmann/json.hpp>

#include "train/data/resample.h"

using namespace studio;
using namespace studio::train;

namespace {

// The same picture as make_resize_golden.py.
RgbImage picture(int w, int h) {
    RgbImage img(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            std::uint8_t* p = img.at(x, y);
            p[0] = std::uint8_t((x * 255) / (w - 1));
            p[1] = std::uint8_t((y * y + x * 5) & 255);
            p[2] = ((x / 4 + y / 3) % 2) ? 255 : 0;
        }
    return img;
}

std::vector<std::uint8_t> base64(const std::string& s) {
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        return c == '+' ? 62 : c == '/' ? 63 : -1;
    };
    std::vector<std::uint8_t> out;
    int acc = 0, bits = 0;
    for (char c : s) {
        const int v = val(c);
        if (v < 0) continue;
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(std::uint8_t((acc >> bits) & 255));
        }
    }
    return out;
}

}  // namespace

class TstResample : public QObject {
    Q_OBJECT

private slots:
    void coefficientsArePillows() {
        // 100 -> 50: scale 2, support 2 -> ksize 5; output 0 centred at 1.0 reads inputs 0..2.
        const AxisWeights w = bilinearAxisWeights(100, 50, 0, 50);
        QCOMPARE(w.taps, 5);
        QCOMPARE(w.first[0], 0);
        QCOMPARE(w.count[0], 3);
        QCOMPARE(w.first[10], 19);
        QCOMPARE(w.count[10], 4);
        // Triangle of half-width 2 around 21.0 (pixel centres 19.5 .. 22.5): 0.25 0.75 0.75 0.25, normalised.
        QVERIFY(std::abs(w.weights[10 * 5 + 0] - 0.125f) < 1e-6f);
        QVERIFY(std::abs(w.weights[10 * 5 + 1] - 0.375f) < 1e-6f);
        for (int i = 0; i < 50; ++i) {
            float s = 0;
            for (int k = 0; k < w.count[i]; ++k) s += w.weights[std::size_t(i) * w.taps + k];
            QVERIFY(std::abs(s - 1.f) < 1e-5f);
        }
        // Upscaling keeps the 2-tap bilinear filter.
        QCOMPARE(bilinearAxisWeights(10, 40, 0, 40).taps, 3);
        // A window of outputs is the same as those outputs of the full resize.
        const AxisWeights part = bilinearAxisWeights(100, 50, 10, 20);
        QCOMPARE(part.first[0], w.first[10]);
        QCOMPARE(part.weights[1], w.weights[10 * 5 + 1]);
        QVERIFY_EXCEPTION_THROWN(bilinearAxisWeights(10, 5, 3, 9), std::invalid_argument);
    }

    void matchesPillow() {
        std::ifstream f(STUDIO_TEST_DATA_DIR "/resize/pil_bilinear.json");
        QVERIFY(f.good());
        const nlohmann::json doc = nlohmann::json::parse(f);
        const RgbImage src = picture(doc["source"][0], doc["source"][1]);
        int cases = 0;
        for (const auto& c : doc["cases"]) {
            ResizeWindow win{c["resize"][0], c["resize"][1]};
            if (!c["crop"].is_null()) {
                win.x0 = c["crop"][0];
                win.y0 = c["crop"][1];
                win.width = c["crop"][2];
                win.height = c["crop"][3];
            }
            auto rows = memoryRowSource(src);
            const RgbImage out = resizeRows(*rows, win, c["flip"].get<bool>());
            const std::vector<std::uint8_t> want = base64(c["rgb_base64"].get<std::string>());
            QCOMPARE(out.width, c["size"][0].get<int>());
            QCOMPARE(out.height, c["size"][1].get<int>());
            QCOMPARE(out.pixels.size(), want.size());
            int maxDiff = 0;
            std::size_t exact = 0;
            for (std::size_t i = 0; i < want.size(); ++i) {
                const int d = std::abs(int(out.pixels[i]) - int(want[i]));
                maxDiff = std::max(maxDiff, d);
                exact += d == 0;
            }
            // Pillow rounds its horizontal pass to 8 bits; we keep floats: off by one at most.
            const double exactShare = double(exact) / double(want.size());
            QVERIFY2(maxDiff <= 1 && exactShare > 0.85,
                     qPrintable(QString("case %1: max diff %2, exact %3").arg(cases).arg(maxDiff).arg(exactShare)));
            qInfo("case %d (%dx%d): %.1f%% of samples equal to Pillow's, max difference %d", cases, out.width,
                  out.height, 100.0 * exactShare, maxDiff);
            ++cases;
        }
        QCOMPARE(cases, 8);
    }

    void identityAndConstants() {
        const RgbImage src = picture(33, 21);
        QVERIFY(resizeImage(src, 33, 21).pixels == src.pixels);
        auto rows = memoryRowSource(src);
        QVERIFY(resizeRows(*rows, ResizeWindow{33, 21}).pixels == src.pixels);  // same size: exact copy
        const RgbImage flat(50, 40, 12, 200, 255);
        for (auto [w, h] : {std::pair{7, 3}, {50, 13}, {131, 97}, {1, 1}}) {
            const RgbImage out = resizeImage(flat, w, h);
            for (std::size_t i = 0; i < out.pixels.size(); i += 3) {
                QCOMPARE(int(out.pixels[i]), 12);
                QCOMPARE(int(out.pixels[i + 1]), 200);
                QCOMPARE(int(out.pixels[i + 2]), 255);
            }
        }
    }

    void flipMirrorsTheOutput() {
        const RgbImage src = picture(40, 30);
        auto a = memoryRowSource(src);
        auto b = memoryRowSource(src);
        const RgbImage plain = resizeRows(*a, ResizeWindow{40, 30}, false);
        const RgbImage flipped = resizeRows(*b, ResizeWindow{40, 30}, true);
        for (int y = 0; y < 30; ++y)
            for (int x = 0; x < 40; ++x) QVERIFY(std::equal(plain.at(x, y), plain.at(x, y) + 3, flipped.at(39 - x, y)));
    }

    void cropWindowEqualsCropOfResize() {
        const RgbImage src = picture(90, 70);
        const RgbImage full = resizeImage(src, 45, 60);
        auto rows = memoryRowSource(src);
        const RgbImage win = resizeRows(*rows, ResizeWindow{45, 60, 5, 9, 30, 40});
        QVERIFY(win.pixels == cropImage(full, 5, 9, 30, 40).pixels);
        QCOMPARE(rows->nextRow(), 70);  // every source row was read (the decoder checks the whole file)
        auto again = memoryRowSource(src);
        QVERIFY_EXCEPTION_THROWN(resizeRows(*again, ResizeWindow{45, 60, 20, 0, 30, 10}), std::invalid_argument);
        QVERIFY_EXCEPTION_THROWN(cropImage(full, 40, 0, 10, 10), std::invalid_argument);
    }
};

QTEST_GUILESS_MAIN(TstResample)
#include "tst_resample.moc"
