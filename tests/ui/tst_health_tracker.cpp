// The health view's numbers and warnings: per-rank median step time and mean data wait over the recent
// window, the GPU of each rank ((node, GPU index) as its step events name them; gpu_ids[local_rank] or
// local_rank for older streams), a straggler warning for a consistently
// slower rank, a NUM_WORKERS suggestion for a rank waiting on data, and the table as shown. Also: the loss
// curves take rank 0's steps only.
#include <QTableWidget>
#include <QtTest>

#include "ui/health/health_tracker.h"
#include "ui/health/health_view.h"
#include "ui/plots/metric_store.h"

using namespace studio;
using namespace studio::ui;

namespace {
StepEvent step(int rank, long long n, double stepMs, double waitMs, double total = 2.0) {
    StepEvent s;
    s.rank = rank;
    s.step = n;
    s.stepMs = stepMs;
    s.dataWaitMs = waitMs;
    s.imgsPerS = 30;
    s.loss["total"] = total;
    return s;
}
HelloEvent hello(const char* config) {
    HelloEvent h;
    h.world = 4;
    h.config = nlohmann::json::parse(config);
    return h;
}
StepEvent stepOn(const char* host, int gpu, int rank, long long n, double stepMs) {
    StepEvent s = step(rank, n, stepMs, 2);
    s.host = host;
    s.gpu = gpu;
    return s;
}
GpuEvent gpus(std::vector<std::pair<int, double>> utils, const char* host = "") {
    GpuEvent g;
    g.host = host;
    g.t = 1;
    for (auto [i, u] : utils) g.gpus.push_back(GpuSample{i, "H100", u, 0, 0, 0, 0});
    return g;
}
const RankHealth* row(const std::vector<RankHealth>& rows, int rank) {
    for (const auto& r : rows) {
        if (r.rank == rank) return &r;
    }
    return nullptr;
}
}  // namespace

class TstHealthTracker : public QObject {
    Q_OBJECT
private slots:
    void healthyRanksRaiseNoWarning() {
        HealthTracker t;
        std::vector<Event> ev{hello(R"({"num_gpus":4,"num_workers":2})")};
        for (int s = 1; s <= 30; ++s) {
            for (int r = 0; r < 4; ++r) ev.push_back(step(r, s, 200 + r * 5 + (s % 3), 2));
        }
        ev.push_back(gpus({{0, 95}, {1, 96}, {2, 94}, {3, 97}}));
        t.addEvents(ev);
        const auto rows = t.ranks();
        QCOMPARE(rows.size(), size_t(4));
        QCOMPARE(rows[1].steps, 30LL);
        QCOMPARE(rows[1].lastStep, 30LL);
        QVERIFY(qAbs(rows[1].stepMs - 206) <= 1.0);
        QCOMPARE(rows[2].dataWaitMs, 2.0);
        QCOMPARE(rows[3].gpuIndex, 3);
        QCOMPARE(rows[3].gpuUtil, 97.0);
        QVERIFY(t.warnings().isEmpty());
    }

    void aSlowRankIsAStraggler() {
        HealthTracker t;
        std::vector<Event> ev{hello(R"({"num_gpus":4,"gpu_ids":[4,5,6,7],"num_workers":2})")};
        for (int s = 1; s <= 30; ++s) {
            for (int r = 0; r < 4; ++r) ev.push_back(step(r, s, r == 2 ? 300 : 200, 2));
        }
        ev.push_back(step(2, 31, 150, 2));  // one fast step does not clear a consistent pattern (median)
        t.addEvents(ev);
        const auto rows = t.ranks();
        QVERIFY(row(rows, 2)->straggler);
        QVERIFY(!row(rows, 0)->straggler);
        QCOMPARE(row(rows, 2)->gpuIndex, 6);  // gpu_ids[local_rank]
        const QStringList w = t.warnings();
        QCOMPARE(w.size(), 1);
        QVERIFY2(w[0].startsWith("Rank 2 is a straggler: 300 ms per step against 200 ms"), qPrintable(w[0]));
        QVERIFY(w[0].contains("GPU 6"));
    }

    void tooFewStepsOrOneRankIsNotJudged() {
        HealthTracker t;
        std::vector<Event> ev;
        for (int s = 1; s <= 3; ++s) {
            ev.push_back(step(0, s, 200, 150));
            ev.push_back(step(1, s, 900, 0));
        }
        t.addEvents(ev);
        QVERIFY(t.warnings().isEmpty());
        HealthTracker single;
        std::vector<Event> one;
        for (int s = 1; s <= 30; ++s) one.push_back(step(0, s, 200, 1));
        single.addEvents(one);
        QVERIFY(!single.ranks()[0].straggler);
    }

    void waitingOnDataSuggestsNumWorkers() {
        HealthTracker t;
        std::vector<Event> ev{hello(R"({"nproc_per_node":2,"num_gpus":2,"num_workers":2})")};
        for (int s = 1; s <= 20; ++s) {
            ev.push_back(step(0, s, 200, 5));
            ev.push_back(step(1, s, 200, 80));
            ev.push_back(step(2, s, 200, 5));   // node 2: local rank 0 -> GPU 0
        }
        ev.push_back(gpus({{0, 90}, {1, 40}}));
        t.addEvents(ev);
        const auto rows = t.ranks();
        QVERIFY(row(rows, 1)->dataBound);
        QVERIFY(!row(rows, 0)->dataBound);
        QCOMPARE(row(rows, 1)->waitShare, 0.4);
        QCOMPARE(row(rows, 2)->gpuIndex, 0);
        QCOMPARE(row(rows, 1)->gpuUtil, 40.0);
        const QStringList w = t.warnings();
        QCOMPARE(w.size(), 1);
        QVERIFY2(w[0].contains("Rank 1 waits on data for 40%") && w[0].contains("NUM_WORKERS (now 2)"), qPrintable(w[0]));
    }

    void aResumedRunStartsTheWindowAgain() {
        HealthTracker t;
        std::vector<Event> ev;
        for (int s = 1; s <= 20; ++s) ev.push_back(step(0, s, 1000, 500));
        for (int s = 10; s <= 13; ++s) ev.push_back(step(0, s, 100, 1));  // replay from a checkpoint at step 10
        t.addEvents(ev);
        QCOMPARE(t.ranks()[0].stepMs, 100.0);
        QCOMPARE(t.ranks()[0].lastStep, 13LL);
        t.clear();
        QVERIFY(t.ranks().empty());
    }

    void cpuRunsHaveNoGpu() {
        HealthTracker t;
        t.addEvents({hello(R"({"device":"cpu","nproc_per_node":2})"), step(0, 1, 100, 1), step(1, 1, 100, 1)});
        QCOMPARE(t.ranks()[1].gpuIndex, -1);
        QCOMPARE(t.ranks()[1].gpuUtil, -1.0);
    }

    void twoNodesMapByNodeAndGpu() {
        // 2 nodes × 2 ranks. node-a's ranks use physical GPUs 2 and 3 (CUDA_VISIBLE_DEVICES=2,3), node-b's GPUs
        // 0 and 1; each node's rank 0 reports its own GPUs. Rank 3 (node-b, GPU 1) is slow.
        HealthTracker t;
        std::vector<Event> ev{hello(R"({"nproc_per_node":2,"num_gpus":2,"num_workers":2})")};
        const char* hosts[] = {"node-a", "node-a", "node-b", "node-b"};
        const int gpuOf[] = {2, 3, 0, 1};
        for (int s = 1; s <= 20; ++s) {
            for (int r = 0; r < 4; ++r) ev.push_back(stepOn(hosts[r], gpuOf[r], r, s, r == 3 ? 300 : 200));
            ev.push_back(gpus({{0, 5}, {1, 6}, {2, 90}, {3, 91}}, "node-a"));  // node-a's idle GPUs 0, 1 too
            ev.push_back(gpus({{0, 30}, {1, 95}}, "node-b"));
        }
        t.addEvents(ev);
        const auto rows = t.ranks();
        QCOMPARE(rows.size(), size_t(4));
        QCOMPARE(row(rows, 0)->host, QString("node-a"));
        QCOMPARE(row(rows, 0)->gpuIndex, 2);
        QCOMPARE(row(rows, 0)->gpuUtil, 90.0);
        QCOMPARE(row(rows, 1)->gpuUtil, 91.0);
        QCOMPARE(row(rows, 2)->host, QString("node-b"));
        QCOMPARE(row(rows, 2)->gpuIndex, 0);
        QCOMPARE(row(rows, 2)->gpuUtil, 30.0);  // node-b's GPU 0, not node-a's (5 %)
        QCOMPARE(row(rows, 3)->gpuUtil, 95.0);
        QVERIFY(row(rows, 3)->straggler);
        const QStringList w = t.warnings();
        QCOMPARE(w.size(), 1);
        QVERIFY2(w[0].contains("Check its GPU 1 on node-b"), qPrintable(w[0]));

        HealthView v;
        v.addEvents(ev);
        v.refresh();
        QCOMPARE(v.table()->item(2, 1)->text(), QString("node-b · 0"));
        QCOMPARE(v.table()->item(2, 1)->toolTip(), QString("GPU 0 on node-b"));
    }

    void olderStreamsFromSeveralNodesDoNotGuessTheGpu() {
        // Steps without host/gpu (an older trainer) while two nodes report GPUs: index 0 is ambiguous.
        HealthTracker t;
        std::vector<Event> ev{hello(R"({"nproc_per_node":2,"num_gpus":2})")};
        for (int r = 0; r < 4; ++r) ev.push_back(step(r, 1, 200, 2));
        ev.push_back(gpus({{0, 90}, {1, 91}}, "node-a"));
        ev.push_back(gpus({{0, 30}, {1, 95}}, "node-b"));
        t.addEvents(ev);
        QCOMPARE(t.ranks()[2].gpuIndex, 0);
        QCOMPARE(t.ranks()[2].gpuUtil, -1.0);
        // One node only: its samples are the ranks' GPUs, named node or not.
        HealthTracker one;
        one.addEvents({hello(R"({"num_gpus":2})"), step(0, 1, 200, 2), step(1, 1, 200, 2), gpus({{0, 80}, {1, 70}}, "node-a")});
        QCOMPARE(one.ranks()[1].gpuUtil, 70.0);
    }

    void viewShowsTheTableAndWarnings() {
        HealthView v;
        std::vector<Event> ev{hello(R"({"num_gpus":2,"num_workers":4})")};
        for (int s = 1; s <= 20; ++s) {
            ev.push_back(step(0, s, 200, 2));
            ev.push_back(step(1, s, 320, 2));
        }
        v.addEvents(ev);
        v.refresh();
        QCOMPARE(v.table()->rowCount(), 2);
        QCOMPARE(v.table()->item(1, 0)->text(), QString("1"));
        QCOMPARE(v.table()->item(1, 2)->text(), QLocale().toString(320.0, 'f', 1));
        QVERIFY(v.table()->item(1, 2)->background().color() != v.table()->item(0, 2)->background().color());
        QVERIFY(v.warningText().contains("Rank 1 is a straggler"));
        v.clear();
        QCOMPARE(v.table()->rowCount(), 0);
        QVERIFY(v.warningText().isEmpty());
    }

    void lossCurvesComeFromRankZeroOnly() {
        MetricStore store;
        store.addEvents({step(0, 1, 200, 1, 3.0), step(1, 1, 200, 1, 9.0), step(0, 2, 200, 1, 2.5), step(1, 2, 200, 1, 9.5)});
        const Series* s = store.series("train/loss/total");
        QVERIFY(s);
        QCOMPARE(s->values, (QVector<double>{3.0, 2.5}));
        QCOMPARE(s->generation, 0);  // rank 1's step 1 did not rewind the curve
    }
};

QTEST_MAIN(TstHealthTracker)
#include "tst_health_tracker.moc"
