// The threaded loader over a small generated COCO folder: identical batches for any number of workers,
// resume in the middle of an epoch, errors re-thrown naming the image, clean shutdown mid-epoch, the eval
// loader's order and sizes, custom image readers, and targets that match the pixels.
// ATen before Qt: Qt's `slots` macro breaks ATen headers.
#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <filesystem>
#include <sstream>

#include "base/image/png_writer.h"
#include "base/util/atomic_file.h"
#include "train/data/data_loader.h"
#include "train/data/normalize.h"

using namespace studio;
using namespace studio::train;
namespace fs = std::filesystem;

namespace {

constexpr int kImages = 14;

// Image i: (100 + 7i) x (80 + 5i), white, one black box whose corners move with i; category 1 + i % 3.
struct Page {
    int w, h, x, y, bw, bh;
};
Page page(int i) { return {100 + 7 * i, 80 + 5 * i, 10 + 3 * i, 8 + 2 * i, 40 + i, 30 + i}; }

std::string writeDataset(const std::string& dir) {
    fs::create_directories(dir);
    std::ostringstream images, anns;
    for (int i = 0; i < kImages; ++i) {
        const Page p = page(i);
        RgbImage img(p.w, p.h, 255, 255, 255);
        for (int y = p.y; y < p.y + p.bh; ++y)
            for (int x = p.x; x < p.x + p.bw; ++x) std::fill(img.at(x, y), img.at(x, y) + 3, std::uint8_t(0));
        writePng(dir + "/img" + std::to_string(i) + ".png", img);
        images << (i ? "," : "") << "{\"id\":" << 100 + i << ",\"file_name\":\"img" << i << ".png\",\"width\":" << p.w
               << ",\"height\":" << p.h << "}";
        anns << (i ? "," : "") << "{\"id\":" << i << ",\"image_id\":" << 100 + i << ",\"category_id\":" << 1 + i % 3
             << ",\"bbox\":[" << p.x << "," << p.y << "," << p.bw << "," << p.bh << "],\"area\":" << p.bw * p.bh
             << ",\"iscrowd\":0}";
    }
    const std::string json = dir + "/_annotations.coco.json";
    writeFileAtomic(json, "{\"categories\":[{\"id\":0,\"name\":\"forms\",\"supercategory\":\"none\"},"
                          "{\"id\":1,\"name\":\"Text\",\"supercategory\":\"forms\"},{\"id\":2,\"name\":\"CheckBox\","
                          "\"supercategory\":\"forms\"},{\"id\":3,\"name\":\"Signature\",\"supercategory\":\"forms\"}],"
                          "\"images\":[" + images.str() + "],\"annotations\":[" + anns.str() + "]}");
    return json;
}

TrainAugment smallAugment() {
    TrainAugment a;
    a.squareSize = 64;
    a.shortSides = {50, 60, 70};
    a.cropMin = 40;
    a.cropMax = 70;
    return a;
}

TrainSamplerOptions samplerOptions(int batch, std::uint64_t seed = 3) {
    TrainSamplerOptions o;
    o.datasetSize = kImages;
    o.batchSize = batch;
    o.seed = seed;
    o.minBatchesPerEpoch = 1;
    return o;
}

std::vector<Batch> epoch(DataLoader& loader, int e, long long first = 0) {
    loader.startEpoch(e, first);
    std::vector<Batch> out;
    while (auto b = loader.next()) out.push_back(std::move(*b));
    return out;
}

bool sameBatches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!at::equal(a[i].images, b[i].images) || a[i].imageIds != b[i].imageIds || a[i].origSizes != b[i].origSizes)
            return false;
        for (std::size_t k = 0; k < a[i].targets.size(); ++k)
            if (!at::equal(a[i].targets[k].boxes, b[i].targets[k].boxes) ||
                !at::equal(a[i].targets[k].labels, b[i].targets[k].labels))
                return false;
    }
    return true;
}

}  // namespace

class TstDataLoader : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    std::shared_ptr<DetectionDataset> m_dataset;

    std::unique_ptr<DataLoader> trainLoader(int workers, int batch = 4, int prefetch = 2) {
        LoaderOptions o;
        o.numWorkers = workers;
        o.prefetchBatches = prefetch;
        return std::make_unique<DataLoader>(m_dataset, TrainSampler(samplerOptions(batch)),
                                            SampleTransform::forTraining(smallAugment()), o);
    }

private slots:
    void initTestCase() {
        const std::string json = writeDataset(m_tmp.filePath("train").toStdString());
        m_dataset = std::make_shared<DetectionDataset>(std::make_shared<CocoIndex>(CocoIndex::load(json)));
        QCOMPARE(m_dataset->size(), std::size_t(kImages));
    }

    void sameBatchesForAnyWorkerCount() {
        auto l0 = trainLoader(0), l1 = trainLoader(1), l3 = trainLoader(3, 4, 1), l4 = trainLoader(4, 4, 3);
        const auto ref = epoch(*l0, 2);
        QCOMPARE(ref.size(), std::size_t(3));  // 14 images, batches of 4, drop_last
        QCOMPARE(ref[0].images.sizes().vec(), (std::vector<std::int64_t>{4, 3, 64, 64}));
        QVERIFY(sameBatches(ref, epoch(*l1, 2)));
        QVERIFY(sameBatches(ref, epoch(*l3, 2)));
        QVERIFY(sameBatches(ref, epoch(*l4, 2)));
        QVERIFY(!sameBatches(ref, epoch(*l4, 3)));  // another epoch: other order and augmentations
        for (const Batch& b : ref) QVERIFY(b.dataWaitMs > 0);  // loaded on the spot with no workers
    }

    void resumesMidEpoch() {
        auto full = trainLoader(2);
        const auto all = epoch(*full, 5);
        auto resumed = trainLoader(3);
        const auto tail = epoch(*resumed, 5, 1);
        QCOMPARE(tail.size(), all.size() - 1);
        QVERIFY(sameBatches(std::vector<Batch>(all.begin() + 1, all.end()), tail));
        QCOMPARE(resumed->position().epoch, 5);
        QCOMPARE(resumed->position().batchesDone, 3LL);
        QVERIFY_EXCEPTION_THROWN(resumed->startEpoch(5, 4), std::invalid_argument);
    }

    void targetsMatchThePixels() {
        auto loader = trainLoader(2, 2);
        loader->startEpoch(0);
        int checked = 0;
        while (auto b = loader->next()) {
            for (std::size_t k = 0; k < b->targets.size(); ++k) {
                const auto& t = b->targets[k];
                QCOMPARE(t.boxes.scalar_type(), at::kFloat);
                QCOMPARE(t.labels.scalar_type(), at::kLong);
                const int i = int(b->imageIds[k] - 100);
                QCOMPARE(b->origSizes[k], (std::pair<int, int>{page(i).h, page(i).w}));
                if (t.boxes.size(0) == 0) continue;  // cropped away
                QCOMPARE(t.labels[0].item<std::int64_t>(), std::int64_t(1 + i % 3));
                const float* box = t.boxes.data_ptr<float>();
                const int cx = int(box[0] * 64), cy = int(box[1] * 64);
                // The box centre is black: channel R normalised value of 0.
                const float v = b->images[long(k)][0][cy][cx].item<float>();
                QVERIFY2(std::abs(v - normalizedValue(0, 0)) < 0.2f, qPrintable(QString::number(v)));
                ++checked;
            }
        }
        QVERIFY(checked >= 4);
    }

    void evalLoaderIsSequentialAndComplete() {
        LoaderOptions o;
        o.numWorkers = 2;
        DataLoader loader(m_dataset, EvalSampler(kImages, 4), SampleTransform::forEval(48), o);
        const auto batches = epoch(loader, 0);
        QCOMPARE(batches.size(), std::size_t(4));
        QCOMPARE(batches.back().images.size(0), std::int64_t(2));  // 14 = 4 + 4 + 4 + 2: nothing dropped
        std::vector<std::int64_t> ids;
        for (const Batch& b : batches) ids.insert(ids.end(), b.imageIds.begin(), b.imageIds.end());
        for (int i = 0; i < kImages; ++i) QCOMPARE(ids[std::size_t(i)], std::int64_t(100 + i));
        // Eval boxes: the square resize of the original box.
        const Page p = page(5);
        const float* box = batches[1].targets[1].boxes.data_ptr<float>();
        QVERIFY(std::abs(box[2] - float(p.bw) / p.w) < 1e-5f);
        QVERIFY(std::abs(box[1] - (p.y + p.bh / 2.f) / p.h) < 1e-5f);
    }

    void errorsNameTheImage_data() {
        QTest::addColumn<int>("workers");
        QTest::newRow("inline") << 0;
        QTest::newRow("threads") << 3;
    }
    void errorsNameTheImage() {
        QFETCH(int, workers);
        const std::string dir = m_tmp.filePath(QString("broken%1").arg(workers)).toStdString();
        const std::string json = writeDataset(dir);
        std::string bytes = readFile(dir + "/img6.png");
        writeFileAtomic(dir + "/img6.png", bytes.substr(0, bytes.size() / 2));  // truncated
        fs::remove(dir + "/img9.png");                                           // missing
        auto ds = std::make_shared<DetectionDataset>(std::make_shared<CocoIndex>(CocoIndex::load(json)));
        LoaderOptions o;
        o.numWorkers = workers;
        DataLoader loader(ds, EvalSampler(kImages, 4), SampleTransform::forEval(32), o);
        loader.startEpoch(0);
        QVERIFY(loader.next().has_value());  // images 0-3 are fine
        try {
            loader.next();  // images 4-7 hold the truncated one
            QFAIL("the truncated image was not reported");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::string(e.what()).find("img6.png") != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("truncated") != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("image id 106") != std::string::npos, e.what());
        }
        try {
            loader.next();  // images 8-11 hold the missing one
            QFAIL("the missing image was not reported");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::string(e.what()).find("img9.png") != std::string::npos, e.what());
        }
    }

    void stopsCleanlyMidEpoch() {
        for (int round = 0; round < 5; ++round) {
            auto loader = trainLoader(3, 2, 4);
            loader->startEpoch(round);
            if (round % 2) QVERIFY(loader->next().has_value());
            // Destroyed with workers busy and batches queued: must return promptly.
        }
        auto idle = trainLoader(2);  // never started
        QCOMPARE(idle->batchesPerEpoch(), 3LL);
    }

    void customReaderAndPinnedFallback() {
        std::atomic<int> reads{0};
        const std::string dir = m_tmp.filePath("train").toStdString();
        auto reader = [&](const std::string& name) {
            ++reads;
            return readFile(dir + "/" + name);
        };
        auto ds = std::make_shared<DetectionDataset>(
            std::make_shared<CocoIndex>(CocoIndex::load(dir + "/_annotations.coco.json")), reader);
        LoaderOptions o;
        o.numWorkers = 2;
        o.pinMemory = true;  // no CUDA here: falls back to ordinary memory
        DataLoader loader(ds, EvalSampler(kImages, 7), SampleTransform::forEval(32), o);
        QCOMPARE(loader.pinnedMemory(), at::hasCUDA());
        QCOMPARE(epoch(loader, 0).size(), std::size_t(2));
        QCOMPARE(reads.load(), kImages);
    }
};

QTEST_GUILESS_MAIN(TstDataLoader)
#include "tst_data_loader.moc"
