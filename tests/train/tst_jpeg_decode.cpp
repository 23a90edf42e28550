// JPEG decoding to RGB8 through the libjpeg API: gray, YCbCr, Adobe CMYK and YCCK, EXIF orientation 1-8
// (both byte orders, bounds-checked parser), DCT scaling for small targets (files generated with libjpeg).
#include <QtTest>

#include "decode_test_util.h"
#include "image_encoders.h"
#include "train/data/exif_orientation.h"
#include "train/data/image_decoder.h"

using namespace studio;
using namespace studio::train;
using namespace dec_test;

class TstJpegDecode : public QObject {
    Q_OBJECT

private slots:
    void jpegRgbAndGray() {
        const RgbImage ref = pattern(64, 48);
        const std::string rgb = enc::writeJpeg(64, 48, 3, JCS_RGB, JCS_YCbCr, ref.pixels);
        const RgbImage out = decodeImage(rgb, "a.jpg");
        QCOMPARE(out.width, 64);
        QCOMPARE(out.height, 48);
        QVERIFY2(meanAbsDiff(out, ref) < 2.0, qPrintable(QString::number(meanAbsDiff(out, ref))));

        std::vector<std::uint8_t> g;
        RgbImage gref(64, 48);
        for (int y = 0; y < 48; ++y)
            for (int x = 0; x < 64; ++x) {
                const std::uint8_t v = std::uint8_t(x * 3 + y);
                g.push_back(v);
                std::uint8_t* p = gref.at(x, y);
                p[0] = p[1] = p[2] = v;
            }
        const RgbImage gout = decodeImage(enc::writeJpeg(64, 48, 1, JCS_GRAYSCALE, JCS_GRAYSCALE, g), "g.jpg");
        QVERIFY(meanAbsDiff(gout, gref) < 1.5);
        for (std::size_t i = 0; i < gout.pixels.size(); i += 3) {  // still gray after the conversion
            QCOMPARE(gout.pixels[i], gout.pixels[i + 1]);
            QCOMPARE(gout.pixels[i], gout.pixels[i + 2]);
        }
        const ImageInfo info = readImageInfo(rgb, "a.jpg");
        QCOMPARE(info.codec, ImageCodec::Jpeg);
        QCOMPARE(info.width, 64);
        QCOMPARE(info.orientation, 1);
    }

    void jpegCmykAndYcck_data() {
        QTest::addColumn<bool>("ycck");
        QTest::newRow("cmyk") << false;
        QTest::newRow("ycck") << true;
    }
    void jpegCmykAndYcck() {
        QFETCH(bool, ycck);
        const int w = 48, h = 32;
        std::vector<std::uint8_t> stored;
        RgbImage want(w, h);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const int c = x * 5, m = y * 7, yy = 128, k = (x + y) * 2;
                // Adobe CMYK JPEGs store inverted values (what Photoshop writes and PIL expects).
                stored.insert(stored.end(), {std::uint8_t(255 - c), std::uint8_t(255 - m), std::uint8_t(255 - yy),
                                             std::uint8_t(255 - k)});
                std::uint8_t* p = want.at(x, y);
                p[0] = std::uint8_t(std::lround((255 - k) * (255 - c) / 255.0));
                p[1] = std::uint8_t(std::lround((255 - k) * (255 - m) / 255.0));
                p[2] = std::uint8_t(std::lround((255 - k) * (255 - yy) / 255.0));
            }
        const std::string jpg = enc::writeJpeg(w, h, 4, JCS_CMYK, ycck ? JCS_YCCK : JCS_CMYK, stored, {}, 98);
        const RgbImage out = decodeImage(jpg, "cmyk.jpg");
        QCOMPARE(out.width, w);
        QVERIFY2(meanAbsDiff(out, want) < 2.5, qPrintable(QString::number(meanAbsDiff(out, want))));
    }

    void jpegExifOrientation_data() {
        QTest::addColumn<int>("orientation");
        QTest::addColumn<bool>("bigEndian");
        for (int o = 1; o <= 8; ++o) {
            QTest::addRow("o%d-le", o) << o << false;
            QTest::addRow("o%d-be", o) << o << true;
        }
    }
    void jpegExifOrientation() {
        QFETCH(int, orientation);
        QFETCH(bool, bigEndian);
        // What the viewer must see: four 32x16 blocks, red | green over blue | white.
        const int dw = 64, dh = 32;
        auto displayed = [&](int x, int y) -> std::array<std::uint8_t, 3> {
            const bool right = x >= dw / 2, bottom = y >= dh / 2;
            if (!bottom) return right ? std::array<std::uint8_t, 3>{0, 200, 0} : std::array<std::uint8_t, 3>{220, 0, 0};
            return right ? std::array<std::uint8_t, 3>{255, 255, 255} : std::array<std::uint8_t, 3>{0, 0, 210};
        };
        const bool swap = orientation >= 5;
        const int sw = swap ? dh : dw, sh = swap ? dw : dh;
        // Stored pixel (x, y) shows at displayed(f(x, y)), EXIF's definition of each orientation.
        std::vector<std::uint8_t> stored;
        for (int y = 0; y < sh; ++y)
            for (int x = 0; x < sw; ++x) {
                int dx = x, dy = y;
                switch (orientation) {
                    case 2: dx = sw - 1 - x; break;
                    case 3: dx = sw - 1 - x; dy = sh - 1 - y; break;
                    case 4: dy = sh - 1 - y; break;
                    case 5: dx = y; dy = x; break;
                    case 6: dx = sh - 1 - y; dy = x; break;
                    case 7: dx = sh - 1 - y; dy = sw - 1 - x; break;
                    case 8: dx = y; dy = sw - 1 - x; break;
                    default: break;
                }
                const auto c = displayed(dx, dy);
                stored.insert(stored.end(), c.begin(), c.end());
            }
        const std::string jpg = enc::writeJpeg(sw, sh, 3, JCS_RGB, JCS_YCbCr, stored,
                                               enc::exifWithOrientation(orientation, bigEndian));
        QCOMPARE(readImageInfo(jpg, "o.jpg").orientation, orientation);
        const RgbImage out = decodeImage(jpg, "o.jpg");
        QCOMPARE(out.width, dw);
        QCOMPARE(out.height, dh);
        for (auto [x, y] : {std::pair{8, 4}, {56, 4}, {8, 28}, {56, 28}}) {
            const auto want = displayed(x, y);
            const std::uint8_t* p = out.at(x, y);
            for (int c = 0; c < 3; ++c)
                QVERIFY2(std::abs(int(p[c]) - int(want[c])) < 24,
                         qPrintable(QString("(%1,%2) channel %3: %4 vs %5").arg(x).arg(y).arg(c).arg(p[c]).arg(want[c])));
        }
        DecodeOptions raw;
        raw.applyExifOrientation = false;
        const RgbImage unrotated = decodeImage(jpg, "o.jpg", raw);
        QCOMPARE(unrotated.width, sw);
        QCOMPARE(unrotated.height, sh);
    }

    void exifParserIsBoundsChecked() {
        const std::string good = enc::exifWithOrientation(6);
        const auto* d = reinterpret_cast<const std::uint8_t*>(good.data());
        QCOMPARE(exifOrientation(d, good.size()), 6);
        // The orientation value ends at byte 38 (6 "Exif\0\0" + 8 header + 2 count + 12 first entry + 10).
        for (std::size_t n = 0; n < good.size(); ++n) QCOMPARE(exifOrientation(d, n), n >= 38 ? 6 : 1);
        std::string badOffset = good;
        badOffset[6 + 4] = char(0xF0);  // IFD offset far outside the segment
        QCOMPARE(exifOrientation(reinterpret_cast<const std::uint8_t*>(badOffset.data()), badOffset.size()), 1);
        std::string notExif = good;
        notExif[0] = 'X';
        QCOMPARE(exifOrientation(reinterpret_cast<const std::uint8_t*>(notExif.data()), notExif.size()), 1);
    }

    void jpegDctScaling() {
        const RgbImage ref = pattern(256, 192);
        const std::string jpg = enc::writeJpeg(256, 192, 3, JCS_RGB, JCS_YCbCr, ref.pixels);
        auto sizeFor = [&](int minW, int minH) -> std::pair<int, int> {
            DecodeOptions o;
            o.minWidth = minW;
            o.minHeight = minH;
            auto rows = openImage(jpg, "big.jpg", o);
            if (rows->fullWidth() != 256 || rows->fullHeight() != 192) return {-1, -1};
            return {rows->width(), rows->height()};
        };
        QCOMPARE(sizeFor(0, 0), (std::pair{256, 192}));
        QCOMPARE(sizeFor(32, 24), (std::pair{32, 24}));    // 1/8
        QCOMPARE(sizeFor(64, 24), (std::pair{64, 48}));    // 1/4
        QCOMPARE(sizeFor(65, 10), (std::pair{128, 96}));   // 1/2
        QCOMPARE(sizeFor(200, 10), (std::pair{256, 192}));  // full
        // A scaled decode is a faithful small picture of the image.
        DecodeOptions o;
        o.minWidth = 64;
        o.minHeight = 48;
        const RgbImage small = decodeImage(jpg, "big.jpg", o);
        QVERIFY(meanAbsDiff(small, pattern(64, 48)) < 4.0);
    }

    void orientationOfImages() {
        const RgbImage img = pattern(5, 3);
        const RgbImage r = applyOrientation(img, 6);  // 90 clockwise: the left column becomes the top row
        QCOMPARE(r.width, 3);
        QCOMPARE(r.height, 5);
        for (int y = 0; y < 3; ++y) QVERIFY(std::equal(r.at(2 - y, 0), r.at(2 - y, 0) + 3, img.at(0, y)));
        QVERIFY(applyOrientation(applyOrientation(img, 6), 8).pixels == img.pixels);
        QVERIFY(applyOrientation(applyOrientation(img, 5), 5).pixels == img.pixels);
        QVERIFY(applyOrientation(applyOrientation(img, 7), 7).pixels == img.pixels);
        QVERIFY(applyOrientation(img, 9).pixels == img.pixels);
    }
};

QTEST_GUILESS_MAIN(TstJpegDecode)
#include "tst_jpeg_decode.moc"
