// Runs list over real run folders: finished (recorded events), failed (events end without done), not
// started; columns, best mAP, background refresh (QAbstractItemModelTester throughout).
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/runs/run_list_model.h"

using namespace studio::ui;

class TstRunListModel : public QObject {
    Q_OBJECT
private slots:
    void statusesAndBestMap() {
        QTemporaryDir root;
        const QString finished = root.path() + "/finished", failed = root.path() + "/failed", empty = root.path() + "/empty";
        for (const QString& d : {finished, failed, empty}) QVERIFY(QDir().mkpath(d));
        QVERIFY(QFile::copy(STUDIO_TEST_DATA_DIR "/ui/events.jsonl", finished + "/events.jsonl"));
        QFile f(failed + "/events.jsonl");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"v":1,"type":"hello","rank":0,"world":1,"pid":1,"version":"0.1.0"})" "\n"
                R"({"v":1,"type":"step","epoch":0,"step":3,"t":100,"lr":1e-4,"loss":{"total":2}})" "\n");
        f.close();
        RunListModel m;
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy refreshed(&m, &RunListModel::refreshed);
        m.setFolders({finished, failed, empty});
        QVERIFY(refreshed.wait(5000));
        QCOMPARE(m.rowCount(), 3);
        QCOMPARE(m.columnCount(), int(RunListModel::ColumnCount));
        auto cell = [&](int r, int c) { return m.index(r, c).data().toString(); };
        QCOMPARE(cell(0, RunListModel::NameColumn), QString("finished"));
        QCOMPARE(cell(0, RunListModel::StatusColumn), QString("finished"));
        QCOMPARE(cell(0, RunListModel::MapColumn), QString("0.360"));
        QCOMPARE(cell(0, RunListModel::EpochColumn), QString("3"));  // counted from 1
        QCOMPARE(cell(1, RunListModel::StatusColumn), QString("failed"));
        QCOMPARE(cell(1, RunListModel::MapColumn), QString::fromUtf8("—"));
        QCOMPARE(cell(2, RunListModel::StatusColumn), QString("not started"));
        QCOMPARE(m.pathAt(1), failed);
        QCOMPARE(m.headerData(RunListModel::MapColumn, Qt::Horizontal, Qt::DisplayRole).toString(), QString("Best mAP"));
        m.setFolders({failed});
        QVERIFY(refreshed.wait(5000));
        QCOMPARE(m.rowCount(), 1);
        m.refreshNow();
        QCOMPARE(m.rowCount(), 1);
    }
};

QTEST_GUILESS_MAIN(TstRunListModel)
#include "tst_run_list_model.moc"
