// rfdetr-train plan as users run it: help, bad options, and --json from a cached probe (planted in the cache
// under the key the command computes, so the answer is known exactly: 100 MiB + 10 MiB per image forward,
// 1 s + 0.5 s per image) — the JSON of the shared agreement, the fit check against the host's memory and the
// suggested split. The probe itself is tested in tests/train/tst_plan_probe (tiny model).
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include "base/run/plan_estimate.h"

using namespace studio;

namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

struct Result {
    int exitCode = -1;
    QByteArray out, err;
};

Result run(const QStringList& args) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("OMP_NUM_THREADS", "2");  // part of the CPU's device name in the cache key
    p.setProcessEnvironment(env);
    p.start(qEnvironmentVariable("RFDETR_TRAIN"), args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        return {};
    }
    return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

std::string cpuDeviceName() {
    std::ifstream in("/proc/cpuinfo");
    std::string line, model = "CPU";
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    }
    return "cpu: " + model + " (2 threads)";
}

const QStringList kRun = {"plan", "--device", "cpu", "--model-size", "small", "--resolution", "96",
                          "--num-queries", "30", "--no-multi-scale", "--no-use-ema"};

}  // namespace

class TstPlanCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void initTestCase() {
        ProbeKey key;
        key.deviceName = cpuDeviceName();
        key.modelSize = "small";
        key.resolution = 96;
        key.numQueries = 30;
        key.groupDetr = 13;
        key.amp = "off";
        key.ema = false;
        ProbeResult probe;
        probe.resolution = 96;
        for (int b : {1, 2}) {
            ProbePoint p;
            p.batch = b;
            p.forwardBytes = (100 + 10 * b) * kMiB;
            p.forwardBackwardBytes = p.peakBytes = 115 * kMiB;
            p.updateBytes = 105 * kMiB;
            p.stepSeconds = 1.0 + 0.5 * b;
            probe.points.push_back(p);
        }
        storeCachedProbe(m_dir.filePath("cache").toStdString(), key, probe);
    }

    void helpAndBadInput() {
        Result r = run({"plan", "--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("--json") && r.out.contains("--no-cache"));
        r = run({"plan", "--batch-size", "0", "--json"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("batch"), r.err.constData());
        r = run({"plan", "--resolution", "64", "--num-queries", "300", "--device", "cpu"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("fewer than the 300 queries"), r.err.constData());
    }

    void jsonFromTheCachedProbe() {
        Result r = run(kRun + QStringList{"--batch-size", "4", "--grad-accum-steps", "2", "--cache-dir",
                                          m_dir.filePath("cache"), "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QVERIFY2(j.value("cached").toBool(), r.out.constData());
        QCOMPARE(j.value("device").toString(), QString("cpu"));
        QCOMPARE(j.value("device_name").toString().toStdString(), cpuDeviceName());
        QCOMPARE(j.value("model_size").toString(), QString("small"));
        QCOMPARE(j.value("resolution").toInt(), 96);
        QCOMPARE(j.value("batch_size").toInt(), 4);
        QCOMPARE(j.value("peak_memory_bytes").toDouble(), double(140 * kMiB));
        QVERIFY(j.value("device_memory_bytes").toDouble() > 0);
        QCOMPARE(j.value("images_per_s").toDouble(), 4 / 3.0);
        QVERIFY(j.value("fits").toBool());
        QVERIFY(!j.contains("suggested"));
        QCOMPARE(j.value("probe").toObject().value("points").toArray().size(), 2);
    }

    void tooLargeABatchGetsASplit() {
        // 10 MiB per image: a batch of 2^22 needs 40 TiB, more than any host here.
        Result r = run(kRun + QStringList{"--batch-size", "4194304", "--grad-accum-steps", "1", "--cache-dir",
                                          m_dir.filePath("cache"), "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QVERIFY2(!j.value("fits").toBool(), r.out.constData());
        const QJsonObject s = j.value("suggested").toObject();
        const double b = s.value("batch_size").toDouble(), a = s.value("grad_accum_steps").toDouble();
        QCOMPARE(b * a, 4194304.0);
        const double usable = j.value("usable_memory_bytes").toDouble();
        QVERIFY(double((100 + 10 * b) * kMiB) <= usable);
        QVERIFY(double((100 + 20 * b) * kMiB) > usable);  // the largest halving that fits
        // The human-readable form says the same.
        r = run(kRun + QStringList{"--batch-size", "4194304", "--cache-dir", m_dir.filePath("cache")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("fits: no; keep the effective batch with --batch-size " + QByteArray::number(b)),
                 r.out.constData());
    }
};

QTEST_GUILESS_MAIN(TstPlanCli)
#include "tst_plan_cli.moc"
