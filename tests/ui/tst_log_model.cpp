// Log pane pieces: line splitting with a length cap (flood safety), level parsing of the trainer's stderr,
// the bounded log model and its level/text filter (QAbstractItemModelTester on both).
#include <QAbstractItemModelTester>
#include <QtTest>

#include "ui/log/log_model.h"
#include "ui/process/line_buffer.h"

using namespace studio::ui;

class TstLogModel : public QObject {
    Q_OBJECT
private slots:
    void lineBufferSplitsAcrossChunks() {
        LineBuffer b;
        QCOMPARE(b.append("ab"), QList<QByteArray>{});
        QCOMPARE(b.append("c\r\nde\n\nf"), (QList<QByteArray>{"abc", "de", ""}));
        QCOMPARE(b.takeRest(), QByteArray("f"));
        QCOMPARE(b.takeRest(), QByteArray());
    }
    void lineBufferCutsEndlessLines() {
        LineBuffer b(8);
        const QList<QByteArray> lines = b.append(QByteArray(20, 'x') + "\nok\n" + QByteArray(5, 'y'));
        QCOMPARE(lines, (QList<QByteArray>{QByteArray(8, 'x'), "ok"}));
        QCOMPARE(b.truncatedLines(), 1);
        QCOMPARE(b.append(QByteArray(10, 'y')), QList<QByteArray>{QByteArray(8, 'y')});
        QCOMPARE(b.append("yyy\nz\n"), QList<QByteArray>{"z"});  // the rest of the cut line is dropped
        QCOMPARE(b.truncatedLines(), 2);
    }
    void levelsOfTrainerLines() {
        QCOMPARE(parseLogLevel("[12:00:01] [info] epoch 3"), LogLevel::Info);
        QCOMPARE(parseLogLevel("[12:00:01] [warning] slow data"), LogLevel::Warning);
        QCOMPARE(parseLogLevel("\x1b[1m[12:00:01] [\x1b[31merror\x1b[0m] boom"), LogLevel::Error);
        QCOMPARE(parseLogLevel("[12:00:01] [rank 2] [critical] nccl"), LogLevel::Error);
        QCOMPARE(parseLogLevel("[12:00:01] [debug] x"), LogLevel::Debug);
        QCOMPARE(parseLogLevel("rfdetr-train: error: out of memory"), LogLevel::Error);
        QCOMPARE(parseLogLevel("warning: BATCH_SIZE=64 ..."), LogLevel::Warning);
        QCOMPARE(parseLogLevel("error: dataset ..."), LogLevel::Error);
        QCOMPARE(parseLogLevel("terminate called after throwing"), LogLevel::Error);
        QCOMPARE(parseLogLevel("an error occurred in the text"), LogLevel::Info);
        QCOMPARE(stripAnsi("\x1b[32mok\x1b[0m"), QString("ok"));
    }
    void boundedModelDropsOldestLines() {
        LogModel m(100);
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<LogLine> batch;
        for (int i = 0; i < 70; ++i) batch.append({0, LogLevel::Info, "trainer", QString::number(i)});
        m.append(batch);
        m.append(batch);
        QCOMPARE(m.rowCount(), 100);
        QCOMPARE(m.droppedLines(), 40LL);
        QCOMPARE(m.index(0).data().toString(), QString("40"));
        QList<LogLine> flood;
        for (int i = 0; i < 250; ++i) flood.append({0, LogLevel::Debug, "trainer", "f" + QString::number(i)});
        m.append(flood);
        QCOMPARE(m.rowCount(), 100);
        QCOMPARE(m.index(0).data().toString(), QString("f150"));
        QCOMPARE(m.index(99).data().toString(), QString("f249"));
        m.clear();
        QCOMPARE(m.rowCount(), 0);
    }
    void filterByLevelAndText() {
        LogModel m;
        LogFilterModel f;
        f.setSourceModel(&m);
        QAbstractItemModelTester t1(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(&f, QAbstractItemModelTester::FailureReportingMode::QtTest);
        m.append({{0, LogLevel::Debug, "trainer", "loader ready"},
                  {0, LogLevel::Info, "trainer", "epoch 1"},
                  {0, LogLevel::Warning, "trainer", "slow loader"},
                  {0, LogLevel::Error, "event", "out of memory"}});
        QCOMPARE(f.rowCount(), 3);  // info and up by default
        f.setMinimumLevel(LogLevel::Warning);
        QCOMPARE(f.rowCount(), 2);
        f.setMinimumLevel(LogLevel::Trace);
        f.setText("LOADER");
        QCOMPARE(f.rowCount(), 2);
        f.setText({});
        QCOMPARE(f.rowCount(), 4);
        m.append({{0, LogLevel::Error, "trainer", "late"}});
        QCOMPARE(f.rowCount(), 5);
        QVERIFY(m.toPlainText().contains("[error] out of memory\n"));
    }
};

QTEST_GUILESS_MAIN(TstLogModel)
#include "tst_log_model.moc"
