// GPU picker model over a fake NVML scan (two GPUs, or none): rows, check marks, CPU row, refresh keeping
// the selection; the local monitor's GpuEvents.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include "ui/gpu/gpu_list_model.h"
#include "base/gpu/gpu_identity.h"
#include "base/gpu/gpu_monitor.h"
#include "ui/gpu/local_gpu_monitor.h"

using namespace studio;
using namespace studio::ui;

Q_DECLARE_METATYPE(std::vector<studio::Event>)

namespace {
GpuScan twoGpus(int util = 97) {
    GpuScan s;
    s.available = true;
    for (int i = 0; i < 2; ++i) {
        GpuInfo g;
        g.index = i;
        g.name = "NVIDIA H100 80GB HBM3";
        g.memTotalBytes = 80ull << 30;
        g.memUsedBytes = 12ull << 30;
        g.utilPercent = util;
        g.temperatureC = 64;
        g.powerW = 612;
        s.gpus.push_back(g);
    }
    return s;
}
GpuScan noNvml() {
    GpuScan s;
    s.error = "libnvidia-ml.so.1: cannot open shared object file";
    return s;
}
}  // namespace

class TstGpuListModel : public QObject {
    Q_OBJECT
private slots:
    void listsGpusWithLiveNumbers() {
        int util = 97;
        GpuListModel m([&util] { return twoGpus(util); });
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(m.rowCount(), 2);
        QCOMPARE(m.index(1).data().toString(),
                 QString::fromUtf8("1: NVIDIA H100 80GB HBM3 · 12.0 / 80.0 GB · 97 % · 64 °C · 612 W"));
        QVERIFY(m.flags(m.index(0)) & Qt::ItemIsUserCheckable);
        QSignalSpy sel(&m, &GpuListModel::selectionChanged);
        QVERIFY(m.setData(m.index(1), Qt::Checked, Qt::CheckStateRole));
        QCOMPARE(sel.count(), 1);
        QCOMPARE(m.checkedIndices(), std::vector<int>{1});
        util = 12;
        m.refresh();  // same GPUs: rows stay, numbers change, selection kept
        QCOMPARE(m.checkedIndices(), std::vector<int>{1});
        QVERIFY(m.index(0).data().toString().contains("12 %"));
        m.setCheckedIndices({0, 1});
        QCOMPARE(m.checkedIndices(), (std::vector<int>{0, 1}));
        QCOMPARE(sel.count(), 2);
    }
    void cpuRowWithoutNvml() {
        GpuListModel m(noNvml);
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(m.rowCount(), 1);
        QVERIFY(!m.hasGpus());
        QVERIFY(m.index(0).data().toString().startsWith("CPU"));
        QVERIFY(m.index(0).data(Qt::ToolTipRole).toString().contains("libnvidia-ml"));
        QVERIFY(!m.setData(m.index(0), Qt::Checked, Qt::CheckStateRole));
        QVERIFY(m.checkedIndices().empty());
    }
    void monitorEmitsGpuEvents() {
        qRegisterMetaType<std::vector<studio::Event>>();
        LocalGpuMonitor mon([] { return twoGpus(); });
        QSignalSpy spy(&mon, &LocalGpuMonitor::sampled);
        QVERIFY(mon.sampleNow());
        QCOMPARE(spy.count(), 1);
        const auto events = spy.first().at(0).value<std::vector<Event>>();
        const auto& g = std::get<GpuEvent>(events.at(0));
        QCOMPARE(g.gpus.size(), size_t(2));
        QCOMPARE(g.gpus[1].memUsedMb, 12.0 * 1024);
        QCOMPARE(g.gpus[1].powerW, 612.0);
        QCOMPARE(g.gpus[0].util, 97.0);
        // The same event the trainer's sampler builds from the same readings (one conversion, in core), and the
        // same node name its step events carry, so the health view can match them.
        const GpuEvent core = studio::gpuEventFrom(twoGpus().gpus, g.t);
        QCOMPARE(QString::fromStdString(encodeEvent(g)), QString::fromStdString(encodeEvent(core)));
        QCOMPARE(g.host, studio::localHostName());
        QVERIFY(!g.host.empty());
        LocalGpuMonitor none(noNvml);
        none.setActive(true);
        QVERIFY(!none.isActive());  // nothing to sample: no polling
    }
};

QTEST_GUILESS_MAIN(TstGpuListModel)
#include "tst_gpu_list_model.moc"
