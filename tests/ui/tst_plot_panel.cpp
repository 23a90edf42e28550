// PlotPanel over a MetricStore: coalesced replots, appends only new points, redraws a rewound series,
// 100k points, per-GPU graphs created on demand, hover values, PNG export.
#include <QImage>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <qcustomplot.h>

#include "ui/plots/metric_store.h"
#include "ui/plots/plot_panel.h"

using namespace studio;
using namespace studio::ui;

namespace {
StepEvent step(long long s, double total) {
    StepEvent e;
    e.step = s;
    e.loss["total"] = total;
    e.lr = 1e-4;
    return e;
}
}  // namespace

class TstPlotPanel : public QObject {
    Q_OBJECT
private slots:
    void replotsAreCoalesced() {
        MetricStore store;
        PlotPanel panel("Loss", PlotPanel::XKind::Step, "loss", &store);
        panel.addGraph({"train/loss/total", "total", Qt::blue});
        panel.resize(600, 400);
        panel.show();
        QTest::qWait(60);
        const int before = panel.replotCount();
        for (int i = 1; i <= 500; ++i) store.addEvent(step(i, 5.0 / i));  // 500 separate appends
        QTRY_COMPARE(panel.pointCount("train/loss/total"), 500);
        QVERIFY2(panel.replotCount() - before <= 2, qPrintable(QString::number(panel.replotCount() - before)));
    }
    void hundredThousandPointsAndRewind() {
        MetricStore store;
        PlotPanel panel("Loss", PlotPanel::XKind::Step, "loss", &store);
        panel.addGraph({"train/loss/total", "total", Qt::blue});
        std::vector<Event> batch;
        for (int i = 1; i <= 100000; ++i) batch.push_back(step(i, 1.0 + std::sin(i * 0.01)));
        store.addEvents(batch);
        panel.flush();
        QCOMPARE(panel.pointCount("train/loss/total"), 100000);
        QCOMPARE(panel.plot()->graph(0)->adaptiveSampling(), true);
        // Axes follow the data.
        QVERIFY(panel.plot()->xAxis->range().upper >= 100000);
        QVERIFY(panel.plot()->yAxis->range().lower <= 0.0 + 1e-9 + 0.1);
        // A resumed run rewinds to step 90001: the graph is rebuilt, not appended to.
        std::vector<Event> resumed;
        for (int i = 90001; i <= 90010; ++i) resumed.push_back(step(i, 0.5));
        store.addEvents(resumed);
        panel.flush();
        QCOMPARE(panel.pointCount("train/loss/total"), 90010);
        QCOMPARE(panel.plot()->graph(0)->data()->at(90009)->value, 0.5);
    }
    // rfdetr's default schedule keeps the lr constant: the axis must centre on it, not span -2.5..2.5.
    void aConstantSeriesIsCentred() {
        MetricStore store;
        PlotPanel panel("Learning rate", PlotPanel::XKind::Step, "lr", &store);
        panel.addGraph({"lr", "lr", Qt::blue});
        std::vector<Event> batch;
        for (int i = 1; i <= 50; ++i) batch.push_back(step(i, 1.0));
        store.addEvents(batch);
        panel.flush();
        QCOMPARE(panel.pointCount("lr"), 50);
        const QCPRange r = panel.plot()->yAxis->range();
        QVERIFY2(r.lower < 1e-4 && r.upper > 1e-4 && r.size() <= 0.5e-4,
                 qPrintable(QString("%1 .. %2").arg(r.lower).arg(r.upper)));
    }
    void gpuGraphsAppearOnDemand() {
        MetricStore store;
        PlotPanel panel("Utilisation", PlotPanel::XKind::Seconds, "%", &store);
        panel.setAutoGraph([](const QString& s) -> std::optional<GraphSpec> {
            if (!s.endsWith("/util")) return std::nullopt;
            return GraphSpec{s, s.section('/', 0, 0), Qt::red};
        });
        GpuEvent g;
        g.t = 1000;
        g.gpus = {GpuSample{0, "A", 50}, GpuSample{1, "B", 70}};
        store.addEvent(g);
        g.t = 1001;
        store.addEvent(g);
        panel.flush();
        QCOMPARE(panel.plot()->graphCount(), 2);
        QCOMPARE(panel.pointCount("gpu1/util"), 2);
        QCOMPARE(panel.plot()->graph(1)->data()->at(1)->key, 1.0);
    }
    void hoverShowsNearestValues() {
        MetricStore store;
        PlotPanel panel("Loss", PlotPanel::XKind::Step, "loss", &store);
        panel.addGraph({"train/loss/total", "total", Qt::blue});
        panel.addGraph({"lr", "lr", Qt::red});
        for (int i = 1; i <= 10; ++i) store.addEvent(step(i * 10, i));
        panel.flush();
        const QString text = panel.hoverText(42);
        QVERIFY2(text.startsWith("step 40\n"), qPrintable(text));
        QVERIFY(text.contains("total: 4"));
        QVERIFY(text.contains("lr: 1.000e-04"));
        QVERIFY(panel.hoverText(-1000).startsWith("step 10"));
    }
    void exportsPng() {
        MetricStore store;
        PlotPanel panel("mAP", PlotPanel::XKind::Epoch, "mAP", &store);
        panel.addGraph({"map/ema/50_95", "EMA", Qt::darkGreen, Qt::SolidLine, false, true});
        EvalEvent e;
        e.ema = true;
        for (int i = 0; i < 5; ++i) {
            e.epoch = i;
            e.map5095 = 0.1 * i;
            store.addEvent(e);
        }
        panel.flush();
        QTemporaryDir dir;
        const QString path = dir.path() + "/map.png";
        QVERIFY(panel.exportPng(path, 800, 500));
        const QImage img(path);
        QCOMPARE(img.size(), QSize(800, 500));
    }
    void smoothingIsTensorBoardsDebiasedEma() {
        Smoother sm{0.5};
        QCOMPARE(sm.next(1.0), 1.0);           // debiased: the first value is itself
        QCOMPARE(sm.next(3.0), 7.0 / 3);  // (0.5*0.5 + 0.5*3) / (1 - 0.5^2)
        QVERIFY(std::isnan(sm.next(std::nan(""))));
        QCOMPARE(sm.count, 2LL);                // a gap leaves the average alone
        MetricStore store;
        PlotPanel panel("Loss", PlotPanel::XKind::Step, "loss", &store);
        GraphSpec g{"train/loss/total", "total", Qt::blue};
        g.smoothable = true;
        panel.addGraph(g);
        panel.enableSmoothing(0.5);
        store.addEvent(step(1, 1.0));
        panel.flush();
        store.addEvent(step(2, 3.0));
        panel.flush();
        QCOMPARE(panel.smoothedValues("train/loss/total"), (QVector<double>{1.0, 7.0 / 3}));
        QCOMPARE(panel.plot()->graphCount(), 2);  // raw (faint) + smoothed
        panel.setSmoothing(0.0);                    // off: raw only
        QCOMPARE(panel.plot()->graphCount(), 1);
        QVERIFY(panel.smoothedValues("train/loss/total").isEmpty());
        panel.setSmoothing(0.9);                    // recomputed from the drawn raw values
        QCOMPARE(panel.smoothedValues("train/loss/total").size(), 2);
        QCOMPARE(panel.smoothedValues("train/loss/total").front(), 1.0);
    }
    void clearEmptiesTheGraphs() {
        MetricStore store;
        PlotPanel panel("Loss", PlotPanel::XKind::Step, "loss", &store);
        panel.addGraph({"train/loss/total", "total", Qt::blue});
        store.addEvent(step(1, 1));
        panel.flush();
        store.clear();
        panel.flush();
        QCOMPARE(panel.pointCount("train/loss/total"), 0);
        store.addEvent(step(1, 2));
        panel.flush();
        QCOMPARE(panel.pointCount("train/loss/total"), 1);
    }
};

QTEST_MAIN(TstPlotPanel)
#include "tst_plot_panel.moc"
