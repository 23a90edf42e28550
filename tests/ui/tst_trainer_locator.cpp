// Finding rfdetr-train (setting, next to the Studio, ../train in a build tree, PATH) and checking its
// version: missing binary, another version, a failing binary, garbage output, and a matching one.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/main/command_line.h"
#include "ui/process/trainer_locator.h"

using namespace studio::ui;

Q_DECLARE_METATYPE(studio::ui::TrainerCheck)

namespace {
QString script(const QString& dir, const QString& name, const QByteArray& body) {
    const QString path = dir + "/" + name;
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write("#!/bin/sh\n" + body + "\n");
    f.close();
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}
TrainerCheck probe(const QString& path, const QString& expected = "0.1.0") {
    TrainerProbe p;
    QSignalSpy spy(&p, &TrainerProbe::checked);
    p.check(path, expected, 5000);
    if (spy.isEmpty() && !spy.wait(10000)) return {};
    return spy.first().at(0).value<TrainerCheck>();
}
}  // namespace

class TstTrainerLocator : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { qRegisterMetaType<studio::ui::TrainerCheck>(); }
    void searchOrder() {
        QTemporaryDir dir;
        const QString app = dir.path() + "/app/studio";
        QDir().mkpath(app);
        const QString onPath = script(dir.path() + "/bin", "rfdetr-train", "echo x");
        TrainerLocation l = locateTrainer({}, app, "/nonexistent:" + dir.path() + "/bin");
        QCOMPARE(l.path, onPath);
        const QString buildTree = script(dir.path() + "/app/train", "rfdetr-train", "echo x");
        l = locateTrainer({}, app, dir.path() + "/bin");
        QCOMPARE(l.path, buildTree);
        const QString beside = script(app, "rfdetr-train", "echo x");
        l = locateTrainer({}, app, dir.path() + "/bin");
        QCOMPARE(l.path, beside);
        l = locateTrainer(dir.path() + "/nope", app, dir.path() + "/bin");
        QVERIFY(l.path.isEmpty());
        QVERIFY(l.error.contains("Settings"));
        l = locateTrainer({}, dir.path() + "/empty", "/nonexistent");
        QVERIFY(l.error.contains("was not found"));
        QVERIFY(l.error.contains("/nonexistent/rfdetr-train"));
    }
    void parsesVersionLines() {
        TrainerVersion v = parseTrainerVersion("rfdetr-train 0.1.0 (LibTorch 1.13.0, CPU)\n");
        QCOMPARE(v.version, QString("0.1.0"));
        QCOMPARE(v.backend, QString("LibTorch 1.13.0, CPU"));
        v = parseTrainerVersion("rfdetr-train 0.2.0");
        QCOMPARE(v.version, QString("0.2.0"));
        QVERIFY(parseTrainerVersion("Python 3.11").version.isEmpty());
    }
    void probeOutcomes() {
        QTemporaryDir dir;
        TrainerCheck c = probe(script(dir.path(), "good", "echo 'rfdetr-train 0.1.0 (LibTorch 2.4.0, CUDA)'"));
        QVERIFY2(c.ok(), qPrintable(c.error));
        QCOMPARE(c.version.backend, QString("LibTorch 2.4.0, CUDA"));
        c = probe(script(dir.path(), "old", "echo 'rfdetr-train 0.0.9 (LibTorch 1.13.0, CPU)'"));
        QVERIFY(c.error.contains("version 0.0.9 but this Studio is 0.1.0"));
        c = probe(script(dir.path(), "other", "echo 'hello'"));
        QVERIFY(c.error.contains("not rfdetr-train's version line"));
        c = probe(script(dir.path(), "broken", "echo 'libtorch.so: not found' >&2; exit 127"));
        QVERIFY(c.error.contains("exit code 127"));
        QVERIFY(c.error.contains("libtorch.so"));
        c = probe(dir.path() + "/missing");
        QVERIFY(c.error.contains("not an executable file"));
    }
    void hangingTrainerTimesOut() {
        QTemporaryDir dir;
        TrainerProbe p;
        QSignalSpy spy(&p, &TrainerProbe::checked);
        p.check(script(dir.path(), "hang", "sleep 30"), "0.1.0", 300);
        QVERIFY(spy.wait(5000));
        QVERIFY(spy.first().at(0).value<TrainerCheck>().error.contains("did not answer"));
    }
    void commandLineOptions() {
        QCommandLineParser parser;
        addStudioOptions(parser);
        QVERIFY(parser.parse({"rfdetr-studio", "--dataset", "hf:a/b", "--screenshot", "/tmp/x.png", "--screenshot-delay", "10"}));
        QString err;
        StudioOptions o = studioOptions(parser, &err);
        QVERIFY(err.isEmpty());
        QCOMPARE(o.dataset, QString("hf:a/b"));
        QCOMPARE(o.screenshot, QString("/tmp/x.png"));
        QCOMPARE(o.screenshotDelayMs, 10);
        QCommandLineParser bad;
        addStudioOptions(bad);
        QVERIFY(bad.parse({"rfdetr-studio", "--screenshot", "/tmp/x.jpg", "--open-run", "/nonexistent"}));
        studioOptions(bad, &err);
        QVERIFY(err.contains("/nonexistent"));
    }
};

QTEST_GUILESS_MAIN(TstTrainerLocator)
#include "tst_trainer_locator.moc"
