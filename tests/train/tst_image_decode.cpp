// Decoding every PNG/JPEG variant to RGB8 (generated here with libpng/libjpeg), EXIF orientation, DCT
// scaling, row streaming, and clear errors naming the file for truncated, corrupt and non-image input.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

#include "base/image/png_writer.h"
#include "image_encoders.h"
#include "train/data/exif_orientation.h"
#include "train/data/image_decoder.h"

using namespace studio;
using namespace studio::train;

namespace {

// A smooth, asymmetric test picture (JPEG-friendly): every pixel distinct enough to catch transposes.
RgbImage pattern(int w, int h) {
    RgbImage img(w, h);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            std::uint8_t* p = img.at(x, y);
            p[0] = std::uint8_t(x * 255 / std::max(1, w - 1));
            p[1] = std::uint8_t(y * 255 / std::max(1, h - 1));
            p[2] = std::uint8_t((x + 2 * y) * 255 / std::max(1, w + 2 * h - 3));
        }
    return img;
}

std::uint8_t grayOf(int x, int y) { return std::uint8_t((x * 7 + y * 13) & 255); }

double meanAbsDiff(const RgbImage& a, const RgbImage& b) {
    if (a.width != b.width || a.height != b.height) return 1e9;
    double s = 0;
    for (std::size_t i = 0; i < a.pixels.size(); ++i) s += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
    return s / double(a.pixels.size());
}

bool throwsWith(const std::function<void()>& f, const std::vector<std::string>& needles, std::string* msg = nullptr) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        if (msg) *msg = e.what();
        for (const auto& n : needles)
            if (std::string(e.what()).find(n) == std::string::npos) return false;
        return true;
    }
    return false;
}

// Packs samples of `bits` into PNG rows (MSB first).
std::vector<std::uint8_t> packBits(const std::vector<int>& samples, int w, int h, int bits) {
    const int rowBytes = (w * bits + 7) / 8;
    std::vector<std::uint8_t> out(std::size_t(rowBytes) * h, 0);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const int bit = x * bits;
            out[std::size_t(y) * rowBytes + bit / 8] |= std::uint8_t(samples[std::size_t(y) * w + x] << (8 - bits - bit % 8));
        }
    return out;
}

}  // namespace

class TstImageDecode : public QObject {
    Q_OBJECT

private slots:
    void pngRgb8IsExact() {
        const RgbImage img = pattern(37, 23);
        const RgbImage out = decodeImage(encodePng(img), "a.png");
        QCOMPARE(out.width, 37);
        QCOMPARE(out.height, 23);
        QVERIFY(out.pixels == img.pixels);
        const ImageInfo info = readImageInfo(encodePng(img), "a.png");
        QCOMPARE(info.codec, ImageCodec::Png);
        QCOMPARE(info.width, 37);
        QCOMPARE(info.height, 23);
    }

    void pngGrayDepths_data() {
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("interlaced");
        for (int b : {1, 2, 4, 8, 16}) {
            QTest::addRow("gray%d", b) << b << false;
            QTest::addRow("gray%d-adam7", b) << b << true;
        }
    }
    void pngGrayDepths() {
        QFETCH(int, bits);
        QFETCH(bool, interlaced);
        const int w = 19, h = 7;
        const int maxV = bits == 16 ? 65535 : (1 << bits) - 1;
        std::vector<int> v(std::size_t(w) * h);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) v[std::size_t(y) * w + x] = (x * 977 + y * 3011 + x * y * 131) % (maxV + 1);
        enc::PngSpec s;
        s.width = w;
        s.height = h;
        s.bitDepth = bits;
        s.colorType = PNG_COLOR_TYPE_GRAY;
        s.interlaced = interlaced;
        if (bits == 16) {
            for (int x : v) s.data.insert(s.data.end(), {std::uint8_t(x >> 8), std::uint8_t(x & 255)});
        } else if (bits == 8) {
            for (int x : v) s.data.push_back(std::uint8_t(x));
        } else {
            s.data = packBits(v, w, h, bits);
        }
        const RgbImage out = decodeImage(enc::writePng(s), "g.png");
        QCOMPARE(out.width, w);
        QCOMPARE(out.height, h);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const int raw = v[std::size_t(y) * w + x];
                // 1/2/4-bit gray scale to 0..255 exactly (x * 255 / max); 16-bit keeps the high byte.
                const int want = bits == 16 ? raw >> 8 : raw * 255 / maxV;
                const std::uint8_t* p = out.at(x, y);
                QCOMPARE(int(p[0]), want);
                QCOMPARE(int(p[1]), want);
                QCOMPARE(int(p[2]), want);
            }
    }

    void pngColourLayouts_data() {
        QTest::addColumn<int>("colorType");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("interlaced");
        QTest::newRow("rgb16") << int(PNG_COLOR_TYPE_RGB) << 16 << false;
        QTest::newRow("rgba8") << int(PNG_COLOR_TYPE_RGBA) << 8 << false;
        QTest::newRow("rgba16") << int(PNG_COLOR_TYPE_RGBA) << 16 << false;
        QTest::newRow("gray-alpha8") << int(PNG_COLOR_TYPE_GRAY_ALPHA) << 8 << false;
        QTest::newRow("gray-alpha16") << int(PNG_COLOR_TYPE_GRAY_ALPHA) << 16 << false;
        QTest::newRow("rgb8-adam7") << int(PNG_COLOR_TYPE_RGB) << 8 << true;
        QTest::newRow("rgba8-adam7") << int(PNG_COLOR_TYPE_RGBA) << 8 << true;
    }
    void pngColourLayouts() {
        QFETCH(int, colorType);
        QFETCH(int, bits);
        QFETCH(bool, interlaced);
        const int w = 21, h = 9;
        const RgbImage ref = pattern(w, h);
        const bool gray = !(colorType & PNG_COLOR_MASK_COLOR);
        const bool alpha = colorType & PNG_COLOR_MASK_ALPHA;
        enc::PngSpec s;
        s.width = w;
        s.height = h;
        s.bitDepth = bits;
        s.colorType = colorType;
        s.interlaced = interlaced;
        RgbImage want(w, h);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const std::uint8_t* p = ref.at(x, y);
                std::vector<int> ch = gray ? std::vector<int>{grayOf(x, y)} : std::vector<int>{p[0], p[1], p[2]};
                if (alpha) ch.push_back((x * 40 + y) & 255);  // alpha is dropped, never blended
                for (int c : ch) {
                    if (bits == 16) {
                        s.data.push_back(std::uint8_t(c));
                        s.data.push_back(std::uint8_t(255 - c));  // low byte: must be ignored
                    } else {
                        s.data.push_back(std::uint8_t(c));
                    }
                }
                std::uint8_t* q = want.at(x, y);
                q[0] = std::uint8_t(ch[0]);
                q[1] = std::uint8_t(gray ? ch[0] : ch[1]);
                q[2] = std::uint8_t(gray ? ch[0] : ch[2]);
            }
        const RgbImage out = decodeImage(enc::writePng(s), "c.png");
        QVERIFY(out.pixels == want.pixels);
    }

    void pngPalette_data() {
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("transparency");
        QTest::newRow("palette8") << 8 << false;
        QTest::newRow("palette4") << 4 << false;
        QTest::newRow("palette8-trns") << 8 << true;
        QTest::newRow("palette2-trns") << 2 << true;
    }
    void pngPalette() {
        QFETCH(int, bits);
        QFETCH(bool, transparency);
        const int w = 13, h = 5, colours = 1 << std::min(bits, 4);
        enc::PngSpec s;
        s.width = w;
        s.height = h;
        s.bitDepth = bits;
        s.colorType = PNG_COLOR_TYPE_PALETTE;
        for (int i = 0; i < colours; ++i)
            s.palette.push_back(png_color{png_byte(i * 17), png_byte(255 - i * 9), png_byte((i * 53) & 255)});
        if (transparency)
            for (int i = 0; i < colours; ++i) s.trnsAlpha.push_back(std::uint8_t(i * 30));
        std::vector<int> idx(std::size_t(w) * h);
        for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = int((i * 7 + 3) % std::size_t(colours));
        s.data = bits == 8 ? std::vector<std::uint8_t>(idx.begin(), idx.end()) : packBits(idx, w, h, bits);
        const RgbImage out = decodeImage(enc::writePng(s), "p.png");
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const png_color& c = s.palette[std::size_t(idx[std::size_t(y) * w + x])];
                const std::uint8_t* p = out.at(x, y);
                QCOMPARE(int(p[0]), int(c.red));
                QCOMPARE(int(p[1]), int(c.green));
                QCOMPARE(int(p[2]), int(c.blue));
            }
    }

    void pngWriterGrayAndRoundTrip() {
        RgbImage img(40, 30);
        for (int y = 0; y < 30; ++y)
            for (int x = 0; x < 40; ++x) {
                std::uint8_t* p = img.at(x, y);
                p[0] = p[1] = p[2] = grayOf(x, y);
            }
        PngWriteOptions opt;
        opt.grayWhenPossible = true;
        const std::string grayPng = encodePng(img, opt);
        QCOMPARE(int(std::uint8_t(grayPng[25])), 0);  // IHDR colour type: gray
        QVERIFY(decodeImage(grayPng, "g.png").pixels == img.pixels);
        img.at(3, 4)[1] = 1;  // one coloured pixel: must stay RGB
        const std::string rgbPng = encodePng(img, opt);
        QCOMPARE(int(std::uint8_t(rgbPng[25])), 2);
        QVERIFY(decodeImage(rgbPng, "c.png").pixels == img.pixels);
        QVERIFY_EXCEPTION_THROWN(encodePng(RgbImage()), std::invalid_argument);
    }

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

    void rowsStreamInOrder() {
        const RgbImage img = pattern(30, 17);
        auto rows = openImage(encodePng(img), "s.png");
        QCOMPARE(rows->width(), 30);
        QCOMPARE(rows->height(), 17);
        std::vector<std::uint8_t> row(90);
        for (int y = 0; y < 17; ++y) {
            QCOMPARE(rows->nextRow(), y);
            rows->readRow(row.data());
            QVERIFY(std::equal(row.begin(), row.end(), img.row(y)));
        }
        QVERIFY_EXCEPTION_THROWN(rows->readRow(row.data()), std::logic_error);
    }

    void truncatedFilesFailNamingTheFile_data() {
        QTest::addColumn<bool>("jpeg");
        QTest::addColumn<double>("keep");
        for (double k : {0.05, 0.5, 0.95}) {
            QTest::addRow("png-%.2f", k) << false << k;
            QTest::addRow("jpeg-%.2f", k) << true << k;
        }
    }
    void truncatedFilesFailNamingTheFile() {
        QFETCH(bool, jpeg);
        QFETCH(double, keep);
        const RgbImage img = pattern(64, 64);
        std::string bytes = jpeg ? enc::writeJpeg(64, 64, 3, JCS_RGB, JCS_YCbCr, img.pixels) : encodePng(img);
        bytes.resize(std::size_t(bytes.size() * keep));
        const std::string name = jpeg ? "/data/train/page_7.jpg" : "/data/train/page_7.png";
        std::string msg;
        QVERIFY2(throwsWith([&] { decodeImage(bytes, name); }, {name}, &msg), msg.c_str());
        QVERIFY2(msg.find("truncated") != std::string::npos, msg.c_str());
        // Streaming reads fail the same way, at the latest on the last row.
        QVERIFY(throwsWith([&] { openImage(bytes, name)->finish(); }, {name}));
    }

    void corruptPngFails() {
        std::string bytes = encodePng(pattern(64, 64));
        const std::size_t idat = bytes.find("IDAT");
        QVERIFY(idat != std::string::npos);
        bytes[idat + 20] = char(bytes[idat + 20] ^ 0x5a);
        std::string msg;
        QVERIFY2(throwsWith([&] { decodeImage(bytes, "bad.png"); }, {"bad.png", "PNG"}, &msg), msg.c_str());
    }

    void notImagesAreNamed() {
        std::string msg;
        QVERIFY(throwsWith([&] { decodeImage("hello, world", "notes.png"); }, {"notes.png", "not a PNG or JPEG"}, &msg));
        QVERIFY(throwsWith([&] { decodeImage("GIF89a....", "anim.png"); }, {"anim.png", "GIF"}));
        QVERIFY(throwsWith([&] { decodeImage("", "empty.jpg"); }, {"empty.jpg", "empty"}));
        QVERIFY(throwsWith([&] { readImageInfo(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16), "x.jpg"); }, {"x.jpg", "WebP"}));
        QVERIFY(throwsWith([&] { readImageFile("/nonexistent/dir/img.png"); }, {"/nonexistent/dir/img.png"}));
    }

    void readsFiles() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("x.png").toStdString();
        writePng(path, pattern(9, 4));
        QVERIFY(readImageFile(path).pixels == pattern(9, 4).pixels);
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

QTEST_GUILESS_MAIN(TstImageDecode)
#include "tst_image_decode.moc"
