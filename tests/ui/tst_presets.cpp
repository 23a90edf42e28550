// Presets: the guide's five shipped in resources/presets.json, applied in one click through the field
// table; user presets saved atomically to AppDataLocation and read back; malformed files reported.
#include <QAbstractItemModelTester>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/config/presets.h"
#include "ui/config/run_config_model.h"

using namespace studio::ui;

class TstPresets : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void builtInPresetsAreTheGuides() {
        QTemporaryDir dir;
        PresetListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY2(model.load(dir.path() + "/presets.json"), qPrintable(model.lastError()));
        QCOMPARE(model.count(), 6);
        struct Want { const char* name; const char* formula; };
        const Want want[] = {{"1× H200", "24 × 1 × 1 = 24"},
                             {"4× H100 80GB", "16 × 1 × 4 = 64"},
                             {"4× A100 40GB", "8 × 2 × 4 = 64"},
                             {"4× L40S 48GB", "12 × 1 × 4 = 48"},
                             {"8× H200", "24 × 1 × 8 = 192"},
                             {"CPU try-out", "4 × 1 × 1 = 4"}};
        for (int i = 0; i < 6; ++i) {
            QCOMPARE(model.data(model.index(i), Qt::DisplayRole).toString(), QString::fromUtf8(want[i].name));
            QVERIFY(model.data(model.index(i), PresetListModel::BuiltInRole).toBool());
            RunConfigModel cfg;
            cfg.setFieldText("gpu_ids", "0");
            QVERIFY(applyPreset(model.preset(i), cfg).isEmpty());
            QCOMPARE(cfg.effectiveBatchText(), "Effective batch = " + QString::fromUtf8(want[i].formula));
            QVERIFY(cfg.config().gpuIds.empty());  // a GPU-count preset clears an explicit list
            QVERIFY(!cfg.hasErrors());
        }
    }
    void userPresetsRoundTrip() {
        QTemporaryDir dir;
        const QString file = dir.path() + "/sub/presets.json";
        PresetListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.load(file);
        RunConfigModel cfg;
        cfg.setFieldText("batch_size", "6");
        cfg.setFieldText("grad_accum_steps", "3");
        cfg.setFieldText("num_gpus", "2");
        QVERIFY2(model.saveUserPreset(presetFromModel("my 2×A6000", cfg)), qPrintable(model.lastError()));
        QCOMPARE(model.count(), 7);
        QVERIFY(QFile::exists(file));
        // Same name replaces.
        cfg.setFieldText("batch_size", "5");
        QVERIFY(model.saveUserPreset(presetFromModel("my 2×A6000", cfg)));
        QCOMPARE(model.count(), 7);

        PresetListModel again;
        QVERIFY(again.load(file));
        QCOMPARE(again.count(), 7);
        const Preset& p = again.preset(6);
        QVERIFY(!p.builtIn);
        QCOMPARE(p.name, QString::fromUtf8("my 2×A6000"));
        RunConfigModel target;
        QVERIFY(applyPreset(p, target).isEmpty());
        QCOMPARE(target.effectiveBatchText(), QString::fromUtf8("Effective batch = 5 × 3 × 2 = 30"));
        QVERIFY(!again.removeUserPreset(0));  // built in
        QVERIFY(again.removeUserPreset(6));
        PresetListModel third;
        third.load(file);
        QCOMPARE(third.count(), 6);
    }
    void defaultUserFileIsInAppData() {
        QVERIFY(defaultUserPresetsFile().startsWith(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)));
    }
    void malformedFilesAreReportedNotFatal() {
        QString err;
        QVERIFY(parsePresets("{not json", "x.json", false, &err).isEmpty());
        QVERIFY(err.contains("x.json: not valid JSON"));
        QVERIFY(parsePresets("[1,2]", "x.json", false, &err).isEmpty());
        QVERIFY(err.contains("\"presets\" list"));
        const auto some = parsePresets(R"({"presets":[{"name":"ok","config":{"batch_size":2}},{"name":""}]})",
                                       "x.json", false, &err);
        QCOMPARE(some.size(), 1);
        QVERIFY(err.contains("preset 2"));

        QTemporaryDir dir;
        QFile f(dir.path() + "/presets.json");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("garbage");
        f.close();
        PresetListModel model;
        QVERIFY(!model.load(f.fileName()));
        QCOMPARE(model.count(), 6);  // built-ins still there
        QVERIFY(model.lastError().contains(f.fileName()));
    }
    void invalidValuesInAPresetAreRejectedByKey() {
        Preset p;
        p.name = "bad";
        p.values = QJsonObject{{"batch_size", "many"}, {"bogus_key", 1}, {"epochs", 3}};
        RunConfigModel cfg;
        const QStringList rejected = applyPreset(p, cfg);
        QCOMPARE(rejected.size(), 2);
        QVERIFY(rejected.contains("batch_size"));
        QVERIFY(rejected.contains("bogus_key"));
        QCOMPARE(cfg.config().epochs, 3);
    }
};

QTEST_GUILESS_MAIN(TstPresets)
#include "tst_presets.moc"
