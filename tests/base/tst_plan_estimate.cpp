// The plan arithmetic: the line through the probe points, the peak model (forward line, backward line,
// update peak), images/s, the fit check with its suggested split, and the probe cache (atomic, keyed).
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

#include "base/run/plan_estimate.h"

using namespace studio;

namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

/// Fixed 100 MiB, 10 MiB per image in the forward pass, backward flat at 115 MiB until the activations
/// outgrow it, update 105 MiB; 1 s + 0.5 s per image.
ProbeResult sampleProbe() {
    ProbeResult r;
    r.resolution = 512;
    for (int b : {1, 2}) {
        ProbePoint p;
        p.batch = b;
        p.forwardBytes = (100 + 10 * b) * kMiB;
        p.forwardBackwardBytes = 115 * kMiB;
        p.updateBytes = 105 * kMiB;
        p.peakBytes = 115 * kMiB;
        p.stepSeconds = 1.0 + 0.5 * b;
        r.points.push_back(p);
    }
    return r;
}

ProbeKey sampleKey() {
    ProbeKey k;
    k.deviceName = "cuda:0: NVIDIA H100 80GB HBM3";
    k.modelSize = "medium";
    k.resolution = 576;
    k.numQueries = 300;
    k.groupDetr = 13;
    k.amp = "bf16";
    return k;
}

}  // namespace

class TstPlanEstimate : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void lineThroughThePoints() {
        QCOMPARE(extrapolate({{1, 10}, {2, 14}}, 6), 30.0);
        QCOMPARE(extrapolate({{1, 10}, {2, 14}, {3, 18}}, 0), 6.0);
        QCOMPARE(extrapolate({{2, 10}}, 6), 30.0);  // one point: proportional
        QCOMPARE(extrapolate({}, 6), 0.0);
    }

    void peakFollowsTheLargerPhase() {
        const ProbeResult r = sampleProbe();
        QCOMPARE(predictPeakBytes(r, 1), 115 * kMiB);   // the measured step peak
        QCOMPARE(predictPeakBytes(r, 8), 180 * kMiB);   // the forward line: 100 + 10 x 8
        ProbeResult updateHeavy = r;
        for (auto& p : updateHeavy.points) p.updateBytes = 400 * kMiB;
        QCOMPARE(predictPeakBytes(updateHeavy, 8), 400 * kMiB);
    }

    void estimateWithoutAndWithMemoryLimits() {
        const ProbeResult r = sampleProbe();
        PlanEstimate e = estimatePlan(r, 4, 2, 4, 0, 0.9);  // memory unknown: assumed to fit
        QVERIFY(e.fits);
        QCOMPARE(e.peakBytes, 140 * kMiB);
        QCOMPARE(e.imagesPerSecondPerDevice, 4 / 3.0);  // 4 images in 1 + 0.5 x 4 s
        QCOMPARE(e.imagesPerSecond, 16 / 3.0);
        QVERIFY(!e.suggested);

        e = estimatePlan(r, 16, 1, 1, 200 * kMiB, 0.9);  // 260 MiB needed, 180 usable
        QVERIFY(!e.fits);
        QCOMPARE(e.usableBytes, 180 * kMiB);
        QVERIFY(e.suggested);
        QCOMPARE(e.suggested->batchSize, 8);             // 180 MiB: fits exactly
        QCOMPARE(e.suggested->gradAccumSteps, 2);

        e = estimatePlan(r, 16, 1, 1, 120 * kMiB, 0.9);  // not even one image fits in 108 MiB
        QVERIFY(!e.fits);
        QVERIFY(!e.suggested);
    }

    void outOfMemoryInTheProbeCaps() {
        ProbeResult r = sampleProbe();
        r.points.pop_back();
        r.outOfMemoryBatch = 2;
        PlanEstimate e = estimatePlan(r, 4, 1, 1, 0, 0.9);
        QVERIFY(!e.fits);
        QCOMPARE(e.suggested->batchSize, 1);
        QCOMPARE(e.suggested->gradAccumSteps, 4);
    }

    void cacheRoundTripAndKeys() {
        const std::string cache = m_dir.filePath("cache").toStdString();
        const ProbeKey key = sampleKey();
        QVERIFY(!loadCachedProbe(cache, key));
        storeCachedProbe(cache, key, sampleProbe());
        const auto back = loadCachedProbe(cache, key);
        QVERIFY(back);
        QCOMPARE(probeToJson(*back), probeToJson(sampleProbe()));
        ProbeKey other = key;
        other.resolution = 640;
        QVERIFY(other.fileName() != key.fileName());
        QVERIFY(!loadCachedProbe(cache, other));
        other = key;
        other.amp = "fp16";
        QVERIFY(!loadCachedProbe(cache, other));
        int files = 0;
        for (const auto& e : std::filesystem::directory_iterator(cache + "/plan")) {
            ++files;
            QVERIFY2(e.path().extension() == ".json", e.path().c_str());  // no temporary files left
        }
        QCOMPARE(files, 1);
        // A damaged cache file is ignored, not trusted.
        std::ofstream(cache + "/plan/" + key.fileName()) << "{\"key\": ";
        QVERIFY(!loadCachedProbe(cache, key));
    }
};

QTEST_GUILESS_MAIN(TstPlanEstimate)
#include "tst_plan_estimate.moc"
