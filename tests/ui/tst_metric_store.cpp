// The event stream -> plot series model, on the recorded tests/data/ui/events.jsonl (a 2-GPU run stopped
// after epoch 1 and resumed from the step-100 checkpoint).
#include <QFile>
#include <QSignalSpy>
#include <QtTest>
#include <cmath>

#include "ui/plots/metric_store.h"

using namespace studio;
using namespace studio::ui;

namespace {
std::vector<Event> readEvents(int* malformed = nullptr) {
    QFile f(QStringLiteral(STUDIO_TEST_DATA_DIR "/ui/events.jsonl"));
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot open events.jsonl");
    std::vector<Event> out;
    int bad = 0;
    while (!f.atEnd()) {
        const QByteArray line = f.readLine().trimmed();
        auto p = parseEventLine(std::string_view(line.constData(), size_t(line.size())));
        if (p.event) out.push_back(*p.event);
        else ++bad;
    }
    if (malformed) *malformed = bad;
    return out;
}
}  // namespace

class TstMetricStore : public QObject {
    Q_OBJECT
private slots:
    void recordedRunBecomesSeries() {
        int malformed = 0;
        const auto events = readEvents(&malformed);
        QCOMPARE(malformed, 1);
        QCOMPARE(int(events.size()), 207);
        MetricStore store;
        QSignalSpy appended(&store, &MetricStore::appended);
        QSignalSpy added(&store, &MetricStore::seriesAdded);
        store.addEvents(events);
        QCOMPARE(appended.count(), 1);  // one batch, one notification
        QVERIFY(added.count() >= 20);

        const Series* ce = store.series("train/loss/ce");
        QVERIFY(ce);
        // 110 steps, then the resumed run replays 101..150: steps 1..150 once each.
        QCOMPARE(ce->keys.size(), 150);
        QCOMPARE(ce->keys.front(), 1.0);
        QCOMPARE(ce->keys.back(), 150.0);
        for (int i = 1; i < ce->keys.size(); ++i) QVERIFY(ce->keys[i] > ce->keys[i - 1]);
        QCOMPARE(ce->generation, 1);  // rewound once
        QVERIFY(ce->values.front() > ce->values.back());  // the loss falls

        const Series* total = store.series("train/loss/total");
        QVERIFY(std::isnan(total->values[46]));  // step 47 was non-finite: a gap
        QCOMPARE(store.nonFinitePoints(), 1LL);

        const Series* lr = store.series("lr");
        QCOMPARE(lr->values.front(), 1e-4);
        QCOMPARE(lr->values.back(), 1e-5);

        const Series* reg = store.series("map/regular/50_95");
        const Series* ema = store.series("map/ema/50_95");
        QCOMPARE(reg->keys, (QVector<double>{1, 2, 3}));  // epochs as people count them
        QCOMPARE(reg->values[2], 0.34);
        QCOMPARE(ema->values[2], 0.36);
        QCOMPARE(store.series("map/ema/50")->values[0], 0.35);
        QCOMPARE(store.bestMap(), 0.36);

        // Validation losses sit at the step each epoch ended on, next to the training losses.
        const Series* val = store.series("val/loss/total");
        QCOMPARE(val->keys, (QVector<double>{50, 100, 150}));
        QCOMPARE(val->values[1], 2.55);
        QVERIFY(!store.series("val/loss/total_ema"));

        QCOMPARE(store.gpuCount(), 2);
        QCOMPARE(store.gpuNames().at(1), QString("NVIDIA H100 80GB HBM3"));
        const Series* mem1 = store.series("gpu1/mem_gb");
        QCOMPARE(mem1->keys.size(), 33);  // 22 + 10 samples and a gap between the runs
        QVERIFY(std::isnan(mem1->values[22]));
        QCOMPARE(store.nonFinitePoints(), 1LL);  // gaps are not non-finite losses
        QCOMPARE(mem1->keys.front(), 0.0);  // seconds since the first sample
        QVERIFY(std::fabs(mem1->values.front() - (61234 + 800) / 1024.0) < 1e-9);
        QCOMPARE(store.series("gpu0/power_w")->values.front(), 590.0);
        QCOMPARE(store.series("throughput/imgs_per_s")->keys.size(), 150);
        QCOMPARE(store.stepsPerEpoch(), 50LL);
        QCOMPARE(store.lastEpoch(), 2);
        QCOMPARE(store.lastStep(), 150LL);
    }
    void incrementalAppendsMatchOneBatch() {
        const auto events = readEvents();
        MetricStore a, b;
        a.addEvents(events);
        for (const auto& e : events) b.addEvent(e);
        QCOMPARE(a.seriesNames(), b.seriesNames());
        for (const QString& n : a.seriesNames()) {
            QCOMPARE(a.series(n)->keys, b.series(n)->keys);
            QCOMPARE(a.series(n)->values.size(), b.series(n)->values.size());
        }
    }
    void clearDropsEverything() {
        MetricStore s;
        s.addEvents(readEvents());
        QSignalSpy cleared(&s, &MetricStore::cleared);
        s.clear();
        QCOMPARE(cleared.count(), 1);
        QVERIFY(s.seriesNames().isEmpty());
        QCOMPARE(s.gpuCount(), 0);
        QCOMPARE(s.bestMap(), -1.0);
    }
    void eventsWithoutPlotDataEmitNothing() {
        MetricStore s;
        QSignalSpy appended(&s, &MetricStore::appended);
        s.addEvents({DoneEvent{}, LogEvent{}, UnknownEvent{"x"}});
        QCOMPARE(appended.count(), 0);
    }
};

QTEST_GUILESS_MAIN(TstMetricStore)
#include "tst_metric_store.moc"
