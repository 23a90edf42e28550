// PNG decoding to RGB8 through libpng: every bit depth and colour layout (generated here with libpng),
// Adam7, row streaming, the PNG writer, and clear errors naming the file for truncated, corrupt and
// non-image input (also for JPEG truncation, which shares the code path).
#include <QTemporaryDir>
#include <QtTest>

#include "base/image/png_writer.h"
#include "decode_test_util.h"
#include "image_encoders.h"
#include "train/data/image_decoder.h"

using namespace studio;
using namespace studio::train;
using namespace dec_test;

class TstPngDecode : public QObject {
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

};

QTEST_GUILESS_MAIN(TstPngDecode)
#include "tst_png_decode.moc"
