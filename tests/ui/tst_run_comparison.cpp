// Run comparison: run folders are read from events.jsonl (rank 0 loss by fractional epoch, mAP per epoch,
// resumed replays replacing their tail) or rfdetr's log.txt; configs are compared key by key (output_dir
// never counts); the Compare tab overlays one curve per run and highlights the differing settings.
#include <QDir>
#include <QFile>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <qcustomplot.h>

#include "ui/compare/compare_view.h"
#include "ui/compare/run_history.h"

using namespace studio::ui;

namespace {
void write(const QString& path, const QByteArray& text) {
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}
QByteArray step(int rank, int step, double total) {
    return QStringLiteral(R"({"v":1,"type":"step","epoch":%1,"step":%2,"rank":%3,"t":1.0,"loss":{"total":%4},"steps_per_epoch":4})")
               .arg(step / 4).arg(step).arg(rank).arg(total).toUtf8() + "\n";
}
QByteArray eval(int epoch, double map, bool ema) {
    return QStringLiteral(R"({"v":1,"type":"eval","epoch":%1,"ema":%2,"map50_95":%3,"map50":0.9})")
               .arg(epoch).arg(ema ? "true" : "false").arg(map).toUtf8() + "\n";
}
}  // namespace

class TstRunComparison : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_a, m_b, m_log;

private slots:
    void initTestCase() {
        m_a = m_dir.filePath("a/run1");
        m_b = m_dir.filePath("b/run1");
        m_log = m_dir.filePath("legacy");
        write(m_a + "/config.json", R"({"model_size":"small","batch_size":4,"lr":0.0001,"output_dir":"/x/a"})");
        QByteArray ev = R"({"v":1,"type":"hello","rank":0,"config":{"model_size":"nano"}})" "\n";
        for (int s = 1; s <= 8; ++s) ev += step(0, s, 3.0 - 0.1 * s) + step(1, s, 99);
        ev += eval(0, 0.2, false) + eval(0, 0.25, true) + eval(1, 0.3, false);
        ev += step(0, 6, 1.0);  // resumed from a checkpoint at step 6: the replay replaces 6..8
        ev += "{truncated\n";
        write(m_a + "/events.jsonl", ev);
        write(m_b + "/config.json", R"({"model_size":"small","batch_size":8,"lr":0.0001,"output_dir":"/x/b","extra":true})");
        write(m_b + "/events.jsonl", step(0, 1, 2.0) + step(0, 2, 1.5) + eval(0, 0.4, false));
        write(m_log + "/log.txt",
              R"({"train_loss":4.0,"test_coco_eval_bbox":[0.11,0.2],"ema_test_coco_eval_bbox":[0.12,0.2],"epoch":0})" "\n"
              R"({"train_loss":3.0,"test_coco_eval_bbox":[0.21,0.3],"epoch":1})" "\n");
    }

    void readsEventsFolders() {
        const RunHistory h = loadRunHistory(m_a);
        QVERIFY2(h.error.isEmpty(), qPrintable(h.error));
        QCOMPARE(h.source, QString("events.jsonl"));
        QCOMPARE(h.config["model_size"], "small");  // config.json wins over the hello event
        QCOMPARE(h.loss.x, (QVector<double>{0.25, 0.5, 0.75, 1.0, 1.25, 1.5}));
        QCOMPARE(h.loss.y.back(), 1.0);
        QCOMPARE(h.map.x, (QVector<double>{1, 2}));
        QCOMPARE(h.map.y, (QVector<double>{0.2, 0.3}));
        QCOMPARE(h.emaMap.y, (QVector<double>{0.25}));
        QCOMPARE(h.malformedLines, 1);
    }

    void readsLogTxtAndRejectsOtherFolders() {
        const RunHistory h = loadRunHistory(m_log);
        QCOMPARE(h.source, QString("log.txt"));
        QCOMPARE(h.loss.x, (QVector<double>{1, 2}));
        QCOMPARE(h.loss.y, (QVector<double>{4.0, 3.0}));
        QCOMPARE(h.map.y, (QVector<double>{0.11, 0.21}));
        QCOMPARE(h.emaMap.y, (QVector<double>{0.12}));
        QVERIFY(h.config.empty());
        const RunHistory none = loadRunHistory(m_dir.filePath("a"));
        QVERIFY(none.error.contains("neither events.jsonl nor log.txt"));
        QVERIFY(loadRunHistory(m_dir.filePath("missing")).error.contains("not a folder"));
    }

    void configsAreComparedKeyByKey() {
        const auto rows = compareConfigs({loadRunHistory(m_a), loadRunHistory(m_b)});
        QMap<QString, ConfigRow> byKey;
        for (const auto& r : rows) byKey[r.key] = r;
        QCOMPARE(byKey.size(), 5);
        QVERIFY(byKey["batch_size"].differs);
        QCOMPARE(byKey["batch_size"].values, (QStringList{"4", "8"}));
        QVERIFY(!byKey["model_size"].differs);
        QVERIFY(!byKey["lr"].differs);
        QVERIFY(!byKey["output_dir"].differs);
        QVERIFY(byKey["extra"].differs);  // present in one run only
        QCOMPARE(byKey["extra"].values, (QStringList{"", "true"}));
    }

    void viewOverlaysCurvesAndHighlightsDifferences() {
        CompareView v;
        QString err;
        QVERIFY(v.addRun(m_a, &err));
        QVERIFY(v.addRun(m_b, &err));
        QVERIFY(v.addRun(m_log, &err));
        QVERIFY(!v.addRun(m_dir.filePath("a"), &err));
        QVERIFY(err.contains("neither"));
        QVERIFY(v.addRun(m_a, &err));  // re-read, not added twice
        QCOMPARE(int(v.runs().size()), 3);
        QCOMPARE(v.runs()[1].name, QString("b/run1"));  // same folder name: parent shown
        QCOMPARE(v.lossPlot()->graphCount(), 3);
        QCOMPARE(v.mapPlot()->graphCount(), 5);  // a: regular + EMA, b: regular, legacy: regular + EMA
        QCOMPARE(v.lossPlot()->graph(1)->pen().color(), runColor(1));
        QCOMPARE(v.mapPlot()->graph(1)->pen().style(), Qt::DashLine);
        QTableWidget* t = v.configTable();
        QCOMPARE(t->columnCount(), 3);
        QCOMPARE(t->rowCount(), 5);
        int batchRow = -1;
        for (int r = 0; r < t->rowCount(); ++r) {
            if (t->verticalHeaderItem(r)->text() == "batch_size") batchRow = r;
        }
        QVERIFY(batchRow >= 0);
        QVERIFY(t->item(batchRow, 0)->font().bold());
        v.setOnlyDifferences(true);
        // legacy (log.txt only) has no config: every key but output_dir differs.
        QCOMPARE(t->rowCount(), 4);
        v.removeRun(2);
        v.setOnlyDifferences(true);
        QCOMPARE(t->rowCount(), 2);  // batch_size, extra
        QCOMPARE(v.lossPlot()->graphCount(), 2);
    }
};

QTEST_MAIN(TstRunComparison)
#include "tst_run_comparison.moc"
