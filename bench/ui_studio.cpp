// Studio responsiveness benchmarks (run with QT_QPA_PLATFORM=offscreen or under Xvfb):
//  1. replot: the four training plots with 100k points per graph, redrawn after an append (what the
//     coalescing timer does), adaptive sampling on (as shipped) against off (baseline). Target: < 40 ms,
//     so 25 replots per second fit.
//  2. flood: a child process floods 300k step events on stdout; the RunController + MetricStore pipeline
//     against parsing the same lines with parseEventLine alone (baseline), and the longest event-loop stall
//     seen by a 10 ms timer meanwhile (target: the window stays responsive, stalls < 100 ms).
#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <qcustomplot.h>

#include "ui/plots/metric_store.h"
#include "ui/plots/monitor_view.h"
#include "ui/plots/plot_panel.h"
#include "ui/process/run_controller.h"

using namespace studio;
using namespace studio::ui;

namespace {

double replotMs(MonitorView& view, bool adaptive) {
    for (PlotPanel* p : view.panels())
        for (int g = 0; g < p->plot()->graphCount(); ++g) p->plot()->graph(g)->setAdaptiveSampling(adaptive);
    QElapsedTimer t;
    const int rounds = 5;
    t.start();
    for (int r = 0; r < rounds; ++r)
        for (int i = 0; i < 4; ++i) view.panels()[i]->plot()->replot(QCustomPlot::rpImmediateRefresh);
    return t.nsecsElapsed() / 1e6 / rounds;
}

QByteArray stepLine(int i) {
    return QStringLiteral(R"({"v":1,"type":"step","epoch":%1,"step":%2,"t":%3,"lr":0.0001,"loss":{"total":%4,"ce":0.5,"bbox":0.2,"giou":0.4},"imgs_per_s":812.5,"data_wait_ms":3.1})")
               .arg(i / 1000).arg(i).arg(1772359000.0 + i * 0.1, 0, 'f', 1).arg(2.0 + std::sin(i * 1e-3), 0, 'f', 5)
               .toUtf8();
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);

    // 1. Replot with 100k points per graph.
    MetricStore store;
    MonitorView view(&store);
    view.resize(1400, 900);
    view.show();
    std::vector<Event> batch;
    batch.reserve(100000);
    for (int i = 1; i <= 100000; ++i) {
        const auto parsed = parseEventLine(stepLine(i).toStdString());
        batch.push_back(*parsed.event);
    }
    store.addEvents(batch);
    for (PlotPanel* p : view.panels()) p->flush();
    QCoreApplication::processEvents();
    const double on = replotMs(view, true), off = replotMs(view, false);
    std::printf("replot 4 plots x 100k points: %.1f ms adaptive sampling (shipped), %.1f ms without (baseline), "
                "ratio %.2fx faster; target < 40 ms: %s\n", on, off, off / on, on < 40 ? "met" : "MISSED");

    // 2. Flood through the controller.
    QTemporaryDir dir;
    const int lines = 300000;
    QFile f(dir.path() + "/flood.jsonl");
    f.open(QIODevice::WriteOnly);
    for (int i = 1; i <= lines; ++i) f.write(stepLine(i) + "\n");
    f.close();
    QElapsedTimer base;
    base.start();
    {
        QFile in(f.fileName());
        in.open(QIODevice::ReadOnly);
        long long n = 0;
        while (!in.atEnd()) {
            const QByteArray l = in.readLine();
            n += parseEventLine(std::string_view(l.constData(), size_t(l.size()))).event.has_value();
        }
        if (n != lines) std::printf("baseline parsed %lld of %d\n", n, lines);
    }
    const double baseS = base.nsecsElapsed() / 1e9;

    MetricStore floodStore;
    RunController rc(realTrainerProcessFactory());
    long long received = 0;
    QObject::connect(&rc, &RunController::eventsReceived, &floodStore, [&](const std::vector<Event>& ev) {
        received += static_cast<long long>(ev.size());
        floodStore.addEvents(ev);
    });
    RunConfig cfg = defaultRunConfig();
    cfg.outputDir = (dir.path() + "/run").toStdString();
    // The controller passes "--config X" first; a tiny wrapper script ignores it and floods.
    const QString wrapper = dir.path() + "/flood.sh";
    QFile w(wrapper);
    w.open(QIODevice::WriteOnly);
    w.write(("#!/bin/sh\ncat '" + f.fileName() + "'\n").toUtf8());
    w.close();
    w.setPermissions(QFileDevice::ReadOwner | QFileDevice::ExeOwner | QFileDevice::WriteOwner);
    rc.setTrainerPath(wrapper);
    qint64 worstGapMs = 0;
    QElapsedTimer tick;
    tick.start();
    QTimer probe;
    probe.setInterval(10);
    QObject::connect(&probe, &QTimer::timeout, [&] {
        worstGapMs = std::max(worstGapMs, tick.restart());
    });
    QElapsedTimer flood;
    QString err;
    flood.start();
    probe.start();
    if (!rc.start(cfg, StartMode::Fresh, &err)) {
        std::printf("flood: cannot start: %s\n", qPrintable(err));
        return 1;
    }
    while (isActive(rc.state())) QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    const double floodS = flood.nsecsElapsed() / 1e9;
    probe.stop();
    std::printf("flood %d step events: %.0f events/s through RunController+MetricStore (%lld received), "
                "%.0f events/s parseEventLine alone (baseline), ratio %.2f; longest event-loop stall %lld ms "
                "(target < 100 ms: %s)\n",
                lines, received / floodS, received, lines / baseS, (received / floodS) / (lines / baseS), worstGapMs,
                worstGapMs < 100 ? "met" : "MISSED");
    return 0;
}
