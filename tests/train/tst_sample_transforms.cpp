// rfdetr's per-sample transforms: the random plan's distribution and bounds, box bookkeeping (flip twice,
// clipping, dropping with labels), pixels and boxes agreeing after every plan, normalisation and targets.
// ATen before Qt: Qt's `slots` macro breaks ATen headers.
#include <ATen/ATen.h>

#include <QtTest>

#include <cmath>
#include <map>

#include "train/data/normalize.h"
#include "train/data/resample.h"
#include "train/data/sample_transforms.h"
#include "train/data/targets.h"

using namespace studio;
using namespace studio::train;

namespace {

void fill(RgbImage& img, int x0, int y0, int x1, int y1, std::uint8_t v) {
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) {
            std::uint8_t* p = img.at(x, y);
            p[0] = p[1] = p[2] = v;
        }
}

bool near(float a, float b, float tol = 1e-4f) { return std::abs(a - b) <= tol; }

}  // namespace

class TstSampleTransforms : public QObject {
    Q_OBJECT

private slots:
    void shorterSideLikeRfdetr() {
        QCOMPARE(shorterSideResize(1700, 2200, 400), (std::pair{400, 517}));
        QCOMPARE(shorterSideResize(2200, 1700, 500), (std::pair{647, 500}));
        QCOMPARE(shorterSideResize(600, 900, 600), (std::pair{600, 900}));  // already that size
        QCOMPARE(shorterSideResize(500, 500, 400), (std::pair{400, 400}));
    }

    void planDistributionAndBounds() {
        const TrainAugment a;  // rfdetr medium: 736, {400, 500, 600}, crop 384..600
        SampleRng rng(99);
        int flips = 0, crops = 0;
        std::map<int, int> sides;
        const int n = 6000;
        for (int i = 0; i < n; ++i) {
            const TransformPlan p = planTrainTransform(1700, 2200, a, rng);
            QCOMPARE(p.outSize, 736);
            flips += p.flip;
            if (!p.resizeCrop) continue;
            ++crops;
            ++sides[p.midWidth];
            QCOMPARE(p.midHeight, int(p.midWidth * 2200.0 / 1700));
            QVERIFY(p.cropWidth >= 384 && p.cropWidth <= std::min(p.midWidth, 600));
            QVERIFY(p.cropHeight >= 384 && p.cropHeight <= std::min(p.midHeight, 600));
            QVERIFY(p.cropX >= 0 && p.cropX + p.cropWidth <= p.midWidth);
            QVERIFY(p.cropY >= 0 && p.cropY + p.cropHeight <= p.midHeight);
        }
        QVERIFY2(std::abs(flips - n / 2) < n / 20, qPrintable(QString::number(flips)));
        QVERIFY2(std::abs(crops - n / 2) < n / 20, qPrintable(QString::number(crops)));
        QCOMPARE(int(sides.size()), 3);
        for (const auto& [side, count] : sides) {
            QVERIFY(side == 400 || side == 500 || side == 600);
            QVERIFY(std::abs(count - crops / 3) < crops / 10);
        }
        // The same seed gives the same plan (the loader relies on it).
        SampleRng r1(5), r2(5);
        const TransformPlan p1 = planTrainTransform(800, 1000, a, r1), p2 = planTrainTransform(800, 1000, a, r2);
        QCOMPARE(p1.flip, p2.flip);
        QCOMPARE(p1.cropX, p2.cropX);
        QCOMPARE(p1.midWidth, p2.midWidth);
    }

    void cocoConversion() {
        // xywh; crowd dropped; clamped to 100x50; empty and NaN boxes dropped with their labels.
        const std::vector<float> xywh = {10, 5, 20, 10,  -5, -5, 20, 20,  90, 40, 30, 30,
                                         50, 20, 0, 10,  1, 1, 5, 5,       std::nanf(""), 0, 5, 5,
                                         120, 10, 5, 5};
        const std::vector<std::int64_t> labels = {1, 2, 3, 1, 2, 3, 1};
        const std::vector<std::uint8_t> crowd = {0, 0, 0, 0, 1, 0, 0};
        const Annotations a = cocoToAnnotations(xywh, labels, crowd, 100, 50);
        QCOMPARE(int(a.boxes.size()), 3);
        QCOMPARE(a.labels, (std::vector<std::int64_t>{1, 2, 3}));
        QVERIFY(near(a.boxes[0].x2, 30) && near(a.boxes[0].y2, 15));
        QVERIFY(near(a.boxes[1].x1, 0) && near(a.boxes[1].y1, 0) && near(a.boxes[1].x2, 15));
        QVERIFY(near(a.boxes[2].x2, 100) && near(a.boxes[2].y2, 50));
    }

    void flipTwiceIsIdentity() {
        Annotations a;
        a.boxes = {{10.5f, 20, 40, 60}, {0, 0, 500, 500}, {499, 1, 500, 2}};
        a.labels = {1, 2, 3};
        const Annotations orig = a;
        TransformPlan p = planEvalTransform(500, 500, 500);
        p.flip = true;
        transformBoxes(a, p);
        QVERIFY(near(a.boxes[0].x1, 460) && near(a.boxes[0].x2, 489.5f) && near(a.boxes[0].y1, 20));
        transformBoxes(a, p);
        for (std::size_t i = 0; i < 3; ++i) {
            QVERIFY(near(a.boxes[i].x1, orig.boxes[i].x1) && near(a.boxes[i].x2, orig.boxes[i].x2));
            QVERIFY(near(a.boxes[i].y1, orig.boxes[i].y1) && near(a.boxes[i].y2, orig.boxes[i].y2));
        }
    }

    void cropClipsAndDrops() {
        Annotations a;
        a.boxes = {{0, 0, 10, 10}, {50, 50, 150, 150}, {300, 300, 350, 350}, {95, 20, 130, 40}};
        a.labels = {1, 2, 3, 1};
        TransformPlan p;
        p.sourceWidth = p.midWidth = 400;
        p.sourceHeight = p.midHeight = 400;
        p.resizeCrop = true;
        p.cropX = 100;
        p.cropY = 100;
        p.cropWidth = 200;
        p.cropHeight = 100;
        p.outSize = 400;  // x2 horizontally, x4 vertically
        transformBoxes(a, p);
        QCOMPARE(a.labels, (std::vector<std::int64_t>{2}));  // the box touching only the crop's edge goes too
        QVERIFY(near(a.boxes[0].x1, 0) && near(a.boxes[0].y1, 0) && near(a.boxes[0].x2, 100) && near(a.boxes[0].y2, 200));
    }

    // Three dark rectangles on white: after any plan, the transformed boxes cover the dark pixels.
    void drawnBoxesAreWhereTheBoxesSay() {
        const int w = 360, h = 480;
        RgbImage img(w, h, 255, 255, 255);
        Annotations orig;
        const int rects[3][4] = {{40, 50, 140, 120}, {200, 300, 330, 460}, {250, 20, 300, 250}};
        for (int i = 0; i < 3; ++i) {
            fill(img, rects[i][0], rects[i][1], rects[i][2], rects[i][3], 0);
            orig.boxes.push_back({float(rects[i][0]), float(rects[i][1]), float(rects[i][2]), float(rects[i][3])});
            orig.labels.push_back(i + 1);
        }
        TrainAugment a;
        a.squareSize = 256;
        a.shortSides = {200, 250, 300};
        a.cropMin = 150;
        a.cropMax = 300;
        int cropped = 0, dropped = 0;
        for (std::uint64_t seed = 0; seed < 48; ++seed) {
            SampleRng rng(seed);
            const TransformPlan p = planTrainTransform(w, h, a, rng);
            Annotations t = orig;
            transformBoxes(t, p);
            auto rows = memoryRowSource(img);
            const RgbImage out = applyPlan(*rows, p);
            QCOMPARE(out.width, 256);
            QCOMPARE(out.height, 256);
            cropped += p.resizeCrop;
            dropped += int(3 - t.boxes.size());
            QCOMPARE(t.boxes.size(), t.labels.size());
            // Inside every box (2 px margin): dark. Every clearly dark pixel: inside some box (+2 px).
            int lightInside = 0, darkOutside = 0;
            for (const BoxXyxy& b : t.boxes) {
                if (b.x2 - b.x1 < 6 || b.y2 - b.y1 < 6) continue;
                for (int y = int(b.y1) + 2; y < int(b.y2) - 2; ++y)
                    for (int x = int(b.x1) + 2; x < int(b.x2) - 2; ++x) lightInside += out.at(x, y)[0] >= 40;
            }
            for (int y = 0; y < 256; ++y)
                for (int x = 0; x < 256; ++x) {
                    if (out.at(x, y)[0] > 100) continue;
                    bool inside = false;
                    for (const BoxXyxy& b : t.boxes)
                        inside = inside || (x >= b.x1 - 2 && x < b.x2 + 2 && y >= b.y1 - 2 && y < b.y2 + 2);
                    darkOutside += !inside;
                }
            QVERIFY2(lightInside == 0 && darkOutside == 0,
                     qPrintable(QString("seed %1: %2 light pixels inside boxes, %3 dark pixels outside")
                                    .arg(seed).arg(lightInside).arg(darkOutside)));
        }
        QVERIFY(cropped > 10 && cropped < 38);
        QVERIFY(dropped > 0);  // some crops removed boxes
    }

    void normalisationValues() {
        QVERIFY(near(normalizedValue(0, 0), -0.485f / 0.229f));
        QVERIFY(near(normalizedValue(1, 255), (1.f - 0.456f) / 0.224f));
        QVERIFY(near(normalizedValue(2, 128), (128.f / 255.f - 0.406f) / 0.225f));
        RgbImage img(2, 1);
        img.at(0, 0)[0] = 255;  // R of the first pixel
        img.at(1, 0)[2] = 51;   // B of the second
        std::vector<float> out(6);
        normalizeToChw(img, out.data());
        QVERIFY(near(out[0], normalizedValue(0, 255)));  // R plane
        QVERIFY(near(out[1], normalizedValue(0, 0)));
        QVERIFY(near(out[2], normalizedValue(1, 0)));    // G plane
        QVERIFY(near(out[5], normalizedValue(2, 51)));   // B plane, second pixel
        // torchvision's float32 arithmetic, bit for bit.
        const at::Tensor t = at::arange(256, at::kFloat).div(255);
        const at::Tensor ref = t.sub(0.456f).div(0.224f);
        for (int v = 0; v < 256; ++v) QCOMPARE(normalizedValue(1, v), ref[v].item<float>());
    }

    void targetsAreNormalisedCxcywh() {
        Annotations a;
        a.boxes = {{10, 20, 30, 60}};
        a.labels = {3};
        const ImageTargets t = makeTargets(a, 100);
        QCOMPARE(t.boxes.sizes().vec(), (std::vector<std::int64_t>{1, 4}));
        QCOMPARE(t.boxes.scalar_type(), at::kFloat);
        QCOMPARE(t.labels.scalar_type(), at::kLong);
        const float* b = t.boxes.data_ptr<float>();
        QVERIFY(near(b[0], 0.2f) && near(b[1], 0.4f) && near(b[2], 0.2f) && near(b[3], 0.4f));
        QCOMPARE(t.labels[0].item<std::int64_t>(), std::int64_t(3));
        const ImageTargets e = makeTargets(Annotations{}, 64);
        QCOMPARE(e.boxes.sizes().vec(), (std::vector<std::int64_t>{0, 4}));
        QCOMPARE(e.labels.numel(), std::int64_t(0));
    }
};

QTEST_GUILESS_MAIN(TstSampleTransforms)
#include "tst_sample_transforms.moc"
