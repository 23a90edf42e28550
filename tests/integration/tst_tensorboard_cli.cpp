// TensorBoard from the real rfdetr-train with a fake `tensorboard` on PATH: the tensorboard command (URL on
// stdout, stopped by SIGTERM, a taken port, TensorBoard missing, a bad folder) and --serve-tensorboard, which
// starts it with the run and stops it when the run ends (here: a run that ends at once on a bad dataset).
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

namespace {

std::string slurp(const QString& path) {
    std::ifstream in(path.toStdString());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

class TstTensorboardCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_bin;

    QProcessEnvironment env(bool withTensorboard) const {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert("PATH", (withTensorboard ? m_bin + ":" : QString()) + "/usr/bin:/bin");
        e.insert("FAKE_TB_RECORD", m_dir.filePath("record"));
        return e;
    }
    void reset() {
        QFile::remove(m_dir.filePath("record"));
        QFile::remove(m_dir.filePath("record.stopped"));
    }

private slots:
    void initTestCase() {
        m_bin = m_dir.filePath("bin");
        QDir().mkpath(m_bin);
        std::ofstream((m_bin + "/tensorboard").toStdString())
            << "#!/bin/sh\ntrap 'echo stopped > \"$FAKE_TB_RECORD.stopped\"; exit 0' TERM\n"
               "echo \"$@\" > \"$FAKE_TB_RECORD\"\nwhile :; do sleep 0.05; done\n";
        QFile::setPermissions(m_bin + "/tensorboard", QFileDevice::ReadOwner | QFileDevice::ExeOwner);
        QDir().mkpath(m_dir.filePath("run/tb"));
        QDir().mkpath(m_dir.filePath("empty"));
    }

    void commandServesUntilTerminated() {
        reset();
        QProcess p;
        p.setProcessEnvironment(env(true));
        p.start(qEnvironmentVariable("RFDETR_TRAIN"), {"tensorboard", m_dir.filePath("run"), "--port", "44006"});
        QVERIFY(p.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(p.canReadLine(), 10000);
        const QString url = QString::fromUtf8(p.readLine()).trimmed();
        QVERIFY2(url.startsWith("http://127.0.0.1:"), qPrintable(url));
        const QString port = url.section(':', 2).remove('/');
        QTRY_VERIFY_WITH_TIMEOUT(!slurp(m_dir.filePath("record")).empty(), 5000);
        QCOMPARE(QString::fromStdString(slurp(m_dir.filePath("record"))),
                 "--logdir " + m_dir.filePath("run/tb") + " --host 127.0.0.1 --port " + port + "\n");
        p.terminate();
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(slurp(m_dir.filePath("record.stopped")), std::string("stopped\n"));
    }

    void missingTensorboardIsAClearFailure() {
        QProcess p;
        p.setProcessEnvironment(env(false));
        p.start(qEnvironmentVariable("RFDETR_TRAIN"), {"tensorboard", m_dir.filePath("run")});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 1);
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(err.contains("pip install tensorboard"), err.constData());
        QVERIFY(p.readAllStandardOutput().isEmpty());
    }

    void badInputIsAUsageError() {
        QProcess p;
        p.setProcessEnvironment(env(true));
        p.start(qEnvironmentVariable("RFDETR_TRAIN"), {"tensorboard", m_dir.filePath("nope")});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(p.readAllStandardError().contains("no such run folder"));
        p.start(qEnvironmentVariable("RFDETR_TRAIN"), {"tensorboard", m_dir.filePath("run"), "--port", "99999"});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 2);
    }

    void serveTensorboardStopsWithTheRun() {
        reset();
        QProcess p;
        p.setProcessEnvironment(env(true));
        p.start(qEnvironmentVariable("RFDETR_TRAIN"),
                {"--dataset", m_dir.filePath("empty"), "--device", "cpu", "--serve-tensorboard", "--tensorboard-port",
                 "45006", "--output-dir", m_dir.filePath("out")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 2);  // the dataset has no splits: the run ends before training
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(err.contains("TensorBoard: http://127.0.0.1:"), err.constData());
        QVERIFY(slurp(m_dir.filePath("record")).rfind("--logdir " + m_dir.filePath("out/tb").toStdString(), 0) == 0);
        QCOMPARE(slurp(m_dir.filePath("record.stopped")), std::string("stopped\n"));
    }

    void serveTensorboardWithoutTensorboardWarns() {
        QProcess p;
        p.setProcessEnvironment(env(false));
        p.start(qEnvironmentVariable("RFDETR_TRAIN"), {"--dataset", m_dir.filePath("empty"), "--device", "cpu",
                                                       "--serve-tensorboard", "--output-dir", m_dir.filePath("out2")});
        QVERIFY(p.waitForFinished(60000));
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(err.contains("TensorBoard is not installed") && err.contains("Training goes on"), err.constData());
        QVERIFY2(err.contains("cannot be trained on"), err.constData());  // it went on to the dataset check
    }
};

QTEST_GUILESS_MAIN(TstTensorboardCli)
#include "tst_tensorboard_cli.moc"
