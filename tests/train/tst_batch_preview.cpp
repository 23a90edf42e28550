// What the trainer shows and checks about learning itself:
// - batchPreview (train_batch0.png): normalisation undone, boxes where the targets say, captions from the
//   category ids, the grid layout;
// - a learning sanity check the parity tests cannot make: the tiny RF-DETR, trained by the real optimiser
//   step on one fixed batch of drawn rectangles, must fit its boxes (a broken step, frozen parameters or boxes
//   in the wrong format leave the box losses where they started).
#include <ATen/ATen.h>

#include <cmath>
#include <map>

#include "base/config/run_config.h"
#include "train/cli/batch_preview.h"
#include "train/engine/step_parts.h"
#include "train/loss/set_criterion.h"

#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio;
using namespace studio::train;

namespace {

const float kMean[3] = {0.485f, 0.456f, 0.406f}, kStd[3] = {0.229f, 0.224f, 0.225f};

// A normalised image of one grey level (0..255) in every channel.
at::Tensor greyImage(int size, float level) {
    at::Tensor img = at::empty({3, size, size});
    for (int c = 0; c < 3; ++c) img[c].fill_((level / 255.0f - kMean[c]) / kStd[c]);
    return img;
}

std::array<int, 3> pixel(const RgbImage& img, int x, int y) {
    const std::uint8_t* p = &img.pixels[(static_cast<std::size_t>(y) * img.width + x) * 3];
    return {p[0], p[1], p[2]};
}

// `n` images with 3 filled rectangles each (channel = class), targets matching: what the model must learn.
Batch rectangles(int n, int res, std::uint64_t seed) {
    at::Generator g = at::make_generator<at::CPUGeneratorImpl>(seed);
    Batch b;
    b.images = at::zeros({n, 3, res, res});
    for (int k = 0; k < n; ++k) {
        const at::Tensor centre = at::rand({3, 2}, g) * 0.5 + 0.25;
        const at::Tensor size = at::rand({3, 2}, g) * 0.2 + 0.15;
        const at::Tensor labels = at::arange(1, 4, at::kLong);
        for (int i = 0; i < 3; ++i) {
            auto edge = [&](int axis, float sign) {
                return static_cast<int>((centre[i][axis].item<float>() + sign * size[i][axis].item<float>() / 2) * res);
            };
            b.images[k][i].slice(0, edge(1, -1), edge(1, 1)).slice(1, edge(0, -1), edge(0, 1)).fill_(2.0);
        }
        b.targets.push_back({at::cat({centre, size}, 1), labels});
        b.imageIds.push_back(k);
        b.origSizes.emplace_back(res, res);
    }
    return b;
}

}  // namespace

class TstBatchPreview : public QObject {
    Q_OBJECT

private slots:
    void imagesAreDenormalisedAndBoxesDrawnWithClassNames() {
        Batch b;
        b.images = at::stack({greyImage(128, 128), greyImage(128, 200), greyImage(128, 50)});
        // Image 0: one box from (32,32) to (96,96) px, category id 7; image 1: a 6 px box, id 7.
        b.targets.push_back({at::tensor({0.5f, 0.5f, 0.5f, 0.5f}).view({1, 4}), at::tensor({int64_t(7)})});
        b.targets.push_back({at::tensor({0.5f, 0.5f, 0.05f, 0.05f}).view({1, 4}), at::tensor({int64_t(7)})});
        b.targets.push_back({at::zeros({0, 4}), at::zeros({0}, at::kLong)});
        const RgbImage grid = batchPreview(b, {{7, "CheckBox"}});
        QCOMPARE(grid.width, 2 * 128 + 4);  // 3 images: 2 columns, 2 rows, 4 px gaps
        QCOMPARE(grid.height, 2 * 128 + 4);
        // Normalisation undone (to +-1 level): image 0 grey 128, image 1 (right) 200, image 2 (below) 50.
        for (auto [x, y, level] : {std::array<int, 3>{60, 60, 128}, {132 + 20, 20, 200}, {60, 132 + 60, 50}})
            for (int c : pixel(grid, x, y)) QVERIFY2(std::abs(c - level) <= 1, qPrintable(QString::number(c)));
        QCOMPARE(pixel(grid, 129, 10), (std::array<int, 3>{64, 64, 64}));  // the gap
        // The box outline sits on the target's edges and is not grey.
        const std::array<int, 3> grey{128, 128, 128};
        QVERIFY(pixel(grid, 32, 64) != grey);
        QVERIFY(pixel(grid, 95, 64) != grey);
        QCOMPARE(pixel(grid, 20, 64), grey);  // outside the box
        QVERIFY(pixel(grid, 132 + 60, 64) != (std::array<int, 3>{200, 200, 200}));  // the small box: left edge at 60.8 px
        // Another name for id 7 changes the caption of the large box only (no caption wider than its box).
        const RgbImage other = batchPreview(b, {{7, "Signature"}});
        QCOMPARE(pixel(other, 32, 64), pixel(grid, 32, 64));
        QVERIFY(other.pixels != grid.pixels);
        for (int y = 0; y < 128; ++y)
            for (int x = 132; x < 260; ++x) QCOMPARE(pixel(other, x, y), pixel(grid, x, y));
        // An id without a name is captioned with its number: still drawn.
        const RgbImage unnamed = batchPreview(b, {});
        QCOMPARE(pixel(unnamed, 32, 64), pixel(grid, 32, 64));
    }

    void maxImagesLimitsTheGrid() {
        Batch b;
        b.images = at::stack({greyImage(32, 10), greyImage(32, 20), greyImage(32, 30), greyImage(32, 40), greyImage(32, 50)});
        for (int i = 0; i < 5; ++i) b.targets.push_back({at::zeros({0, 4}), at::zeros({0}, at::kLong)});
        const RgbImage one = batchPreview(b, {}, 1);
        QCOMPARE(one.width, 32);
        QCOMPARE(one.height, 32);
        const RgbImage all = batchPreview(b, {});
        QCOMPARE(all.width, 3 * 32 + 2 * 4);
        QCOMPARE(all.height, 2 * 32 + 4);
    }

    void theOptimiserStepFitsAFixedBatch() {
        at::set_num_threads(2);
        ModelConfig mc = ModelConfig::tinyFixture();
        RunConfig cfg = defaultRunConfig(ModelSize::Small);
        cfg.batchSize = 4;
        cfg.gradAccumSteps = 1;
        cfg.lr = 1e-3;
        cfg.lrEncoder = 1e-3;
        cfg.lrVitLayerDecay = 1.0;
        cfg.lrComponentDecay = 1.0;
        cfg.clipMaxNorm = 1.0;
        StepParts parts(mc, cfg, c10::Device(c10::kCPU), 3);
        CriterionOptions co;
        co.matcher.threads = 1;
        SetCriterion criterion(co);
        StepContext ctx = parts.context(criterion, c10::Device(c10::kCPU), false);
        const Batch batch = rectangles(4, 96, 11);
        LossLayout layout;
        auto boxLosses = [&](const StepResult& r) {
            const std::vector<double> v = toHostVector(r.packed);
            double l1 = -1, giou = -1;
            for (std::size_t i = 0; i < layout.names.size(); ++i) {
                if (layout.names[i] == "loss_bbox") l1 = v[i];
                if (layout.names[i] == "loss_giou") giou = v[i];
            }
            return std::make_pair(l1, giou);
        };
        const auto first = boxLosses(trainStep(ctx, batch, 1.0, layout));
        std::pair<double, double> last;
        for (int step = 1; step < 120; ++step) last = boxLosses(trainStep(ctx, batch, 1.0, layout));
        qInfo("L1 %.4f -> %.4f, GIoU loss %.4f -> %.4f after 120 steps", first.first, last.first, first.second,
              last.second);
        QVERIFY(first.first > 0 && first.second > 0);
        QVERIFY2(last.first < 0.5 * first.first, "the L1 box loss did not halve on a batch the model sees every step");
        QVERIFY2(last.second < 0.6 * first.second, "the GIoU loss did not fall on a batch the model sees every step");
    }
};

QTEST_GUILESS_MAIN(TstBatchPreview)
#include "tst_batch_preview.moc"
