// Per-step multi-scale: CPython's random module bit for bit (rfdetr-spec.md §6.4 test vector), the scale
// lists, the square size of the sample transform, and the batch resize.
// ATen before Qt: Qt's `slots` macro breaks ATen headers.
#include <ATen/ATen.h>

#include <QtTest>

#include "base/config/model_sizes.h"
#include "train/data/multi_scale.h"
#include "train/data/python_random.h"

using namespace studio;
using namespace studio::train;

class TstMultiScale : public QObject {
    Q_OBJECT

private slots:
    void pythonRandomIsCPython() {
        // Values printed by CPython 3.11: random.seed(n) then the calls below.
        std::vector<int> picks;
        for (int it = 0; it < 12; ++it) {
            PythonRandom r(it);
            picks.push_back(int(r.randbelow(11)));
        }
        QCOMPARE(picks, (std::vector<int>{6, 2, 0, 3, 3, 9, 9, 5, 3, 7, 9, 7}));
        PythonRandom big((std::int64_t(1) << 40) + 5);  // two 32-bit key words
        QCOMPARE(big.getrandbits(32), 2166296868u);
        QCOMPARE(big.getrandbits(32), 2220160828u);
        QCOMPARE(big.getrandbits(32), 1153647273u);
        QCOMPARE(big.random(), 0.6637982795073579);
        PythonRandom negative(-7);  // seeds with abs(n)
        QCOMPARE(negative.randbelow(1000), std::uint64_t(331));
    }

    void stepScalesFollowRfdetr() {
        const std::vector<int> small = multiScaleResolutions(512, true);
        std::vector<int> got;
        for (int it = 0; it < 12; ++it) got.push_back(chooseStepScale(it, small));
        QCOMPARE(got, (std::vector<int>{544, 416, 352, 448, 448, 640, 640, 512, 448, 576, 640, 576}));
        QCOMPARE(stepScale(3, 512, true), 448);
        QVERIFY_EXCEPTION_THROWN(chooseStepScale(0, {}), std::invalid_argument);
    }

    void squareSizeIsTheLargestScale() {
        QCOMPARE(trainSquareSize(512, true, true), 672);
        QCOMPARE(trainSquareSize(576, true, true), 736);
        QCOMPARE(trainSquareSize(704, true, true), 864);
        QCOMPARE(trainSquareSize(576, true, false), 704);  // offsets -3..+4
        QCOMPARE(trainSquareSize(576, false, true), 576);
    }

    void batchResize() {
        Batch b;
        // Pixel checkerboard of 0/1 in channel 0, constant 3 in channel 1: halving with align_corners=False
        // bilinear (no antialias) averages 2x2 blocks exactly.
        b.images = at::zeros({2, 3, 8, 8});
        for (int y = 0; y < 8; ++y)
            for (int x = 0; x < 8; ++x) b.images.index_put_({at::indexing::Slice(), 0, y, x}, float((x + y) % 2));
        b.images.select(1, 1).fill_(3.f);
        b.targets.resize(2);
        resizeBatch(b, 4);
        QCOMPARE(b.images.sizes().vec(), (std::vector<std::int64_t>{2, 3, 4, 4}));
        QVERIFY(at::allclose(b.images.select(1, 0), at::full({2, 4, 4}, 0.5f)));
        QVERIFY(at::allclose(b.images.select(1, 1), at::full({2, 4, 4}, 3.f)));
        const void* before = b.images.data_ptr();
        resizeBatch(b, 4);  // same size: untouched
        QCOMPARE(b.images.data_ptr(), before);
        resizeBatch(b, 6);
        QCOMPARE(b.images.size(3), std::int64_t(6));
        Batch empty;
        QVERIFY_EXCEPTION_THROWN(resizeBatch(empty, 4), std::invalid_argument);
    }
};

QTEST_GUILESS_MAIN(TstMultiScale)
#include "tst_multi_scale.moc"
