// rfdetr-train's configuration surface, run as users run it: --dry-run through flags, the seed's
// environment variables, config.json and train_rfdetr_full.sh must resolve to the same configuration.
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {
struct Result {
    int exitCode = -1;
    QByteArray out, err;
};

Result run(const QString& program, const QStringList& args, const QMap<QString, QString>& env = {},
           bool cleanEnv = true) {
    QProcess p;
    QProcessEnvironment e = cleanEnv ? QProcessEnvironment() : QProcessEnvironment::systemEnvironment();
    e.insert("PATH", qEnvironmentVariable("PATH"));
    e.insert("HOME", QDir::tempPath());
    e.insert("OMP_NUM_THREADS", "1");
    for (auto it = env.begin(); it != env.end(); ++it) e.insert(it.key(), it.value());
    p.setProcessEnvironment(e);
    p.start(program, args);
    if (!p.waitForFinished(60000)) {
        p.kill();
        return {};
    }
    return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

QJsonObject json(const QByteArray& bytes) { return QJsonDocument::fromJson(bytes).object(); }
}  // namespace

class TstCliConfig : public QObject {
    Q_OBJECT
    QString m_train = qEnvironmentVariable("RFDETR_TRAIN");
    QString m_script = qEnvironmentVariable("TRAIN_SCRIPT");
    QTemporaryDir m_dir;

private slots:
    void initTestCase() {
        QVERIFY2(QFile::exists(m_train), "RFDETR_TRAIN must point at the rfdetr-train binary");
        QVERIFY(QFile::exists(m_script));
    }
    void versionAndHelp() {
        Result r = run(m_train, {"--version"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("rfdetr-train 0."));
        QVERIFY(r.out.contains("LibTorch"));
        r = run(m_train, {"--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("validate-dataset"));
        r = run(m_train, {"train", "--help"});
        QCOMPARE(r.exitCode, 0);
        for (const char* s : {"--batch-size", "[BATCH_SIZE]", "[GRAD_ACCUM_STEPS]", "[NUM_GPUS]", "[RESUME_CHECKPOINT]",
                              "[HF_TOKEN]", "--dry-run"})
            QVERIFY2(r.out.contains(s), s);
        r = run(m_train, {"frobnicate"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("unknown command"));
    }
    void dryRunPrintsTheResolvedConfig() {
        const Result r = run(m_train, {"--dry-run", "--output-dir", m_dir.filePath("o")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = json(r.out);
        QCOMPARE(j["batch_size"].toInt(), 4);
        QCOMPARE(j["grad_accum_steps"].toInt(), 4);
        QCOMPARE(j["effective_batch_size"].toInt(), 16);
        QCOMPARE(j["resolution"].toInt(), 576);
        QCOMPARE(j["dataset"].toString(), QString("demo"));
        QVERIFY(!QFile::exists(m_dir.filePath("o")));  // a dry run writes nothing
    }
    void scriptFlagsEnvAndConfigJsonAgree() {
        const QString out = m_dir.filePath("run1"), cache = m_dir.filePath("cache");
        // 1. The guide's script with its defaults and the example variables.
        const Result viaScript = run(m_script, {"--dry-run"},
                                     {{"RFDETR_TRAIN", m_train}, {"NUM_GPUS", "4"}, {"BATCH_SIZE", "16"},
                                      {"GRAD_ACCUM_STEPS", "1"}, {"RESUME_CHECKPOINT", "auto"},
                                      {"OUTPUT_DIR", out}, {"CACHE_DIR", cache}});
        QCOMPARE(viaScript.exitCode, 0);
        QVERIFY2(viaScript.err.contains("Effective batch size:  16 x 1 x 4 = 64"), viaScript.err.constData());
        const QJsonObject a = json(viaScript.out);
        QCOMPARE(a["effective_batch_size"].toInt(), 64);
        QCOMPARE(a["num_workers"].toInt(), 12);
        QCOMPARE(a["epochs"].toInt(), 30);
        QCOMPARE(a["resume"].toString(), QString("auto"));
        QCOMPARE(a["dataset"].toString(), QString("hf:jbarrow/CommonForms"));
        // 2. The same with flags.
        const QStringList flags = {"--dry-run", "--num-gpus", "4", "--batch-size", "16", "--grad-accum-steps", "1",
                                   "--resume", "auto", "--model-size", "medium", "--epochs", "30", "--lr", "1e-4",
                                   "--num-workers", "12", "--output-dir", out, "--cache-dir", cache,
                                   "--dataset", "hf:jbarrow/CommonForms", "--no-push-to-hub"};
        const Result viaFlags = run(m_train, flags);
        QCOMPARE(viaFlags.exitCode, 0);
        QCOMPARE(json(viaFlags.out), a);
        // 3. The same from config.json (written from the dry-run output itself).
        const QString cfg = m_dir.filePath("config.json");
        QFile f(cfg);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(viaFlags.out);
        f.close();
        const Result viaJson = run(m_train, {"--dry-run", "--config", cfg});
        QCOMPARE(viaJson.exitCode, 0);
        QCOMPARE(json(viaJson.out), a);
        // 4. Flags beat the environment, which beats config.json.
        const Result mixed = run(m_train, {"--dry-run", "--config", cfg, "--batch-size", "8"}, {{"EPOCHS", "5"}});
        QCOMPARE(json(mixed.out)["batch_size"].toInt(), 8);
        QCOMPARE(json(mixed.out)["epochs"].toInt(), 5);
        QCOMPARE(json(mixed.out)["effective_batch_size"].toInt(), 32);
    }
    void everyProblemAtOnceAndNothingWritten() {
        const QString out = m_dir.filePath("never");
        const QString badJson = m_dir.filePath("bad.json");
        QFile f(badJson);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"batch_size\": 4,,}");
        f.close();
        const Result r = run(m_script, {"--dry-run", "--config", badJson, "--resolution", "500"},
                             {{"RFDETR_TRAIN", m_train}, {"BATCH_SIZE", "0"}, {"MODEL_SIZE", "huge"}, {"NUM_GPUS", "-1"},
                              {"EPOCHS", "abc"}, {"LEARNING_RATE", "-1"}, {"OUTPUT_DIR", "/proc/version/sub"},
                              {"RESUME_CHECKPOINT", m_dir.filePath("missing.pth")}, {"HF_TOKEN", "hf_SECRET_value"}});
        QCOMPARE(r.exitCode, 2);
        for (const char* s : {"BATCH_SIZE='0'", "MODEL_SIZE='huge'", "NUM_GPUS='-1'", "EPOCHS='abc'",
                              "LEARNING_RATE='-1'", "--resolution='500'", "OUTPUT_DIR", "RESUME_CHECKPOINT",
                              "bad.json"})
            QVERIFY2(r.err.contains(s), (std::string(s) + "\n" + r.err.toStdString()).c_str());
        QVERIFY(r.out.trimmed().isEmpty());
        QVERIFY(!QFile::exists(out));
    }
    void unknownConfigKeyIsNamed() {
        const QString cfg = m_dir.filePath("typo.json");
        QFile f(cfg);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"batch_sise\": 4}");
        f.close();
        const Result r = run(m_train, {"--dry-run", "--config", cfg});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("batch_sise"));
        QVERIFY(r.err.contains("did you mean \"batch_size\""));
    }
    void tokenNeverAppears() {
        const QMap<QString, QString> env = {{"HF_TOKEN", "hf_SECRET_value"}, {"HF_USERNAME", "me"}};
        Result r = run(m_train, {"--dry-run", "--output-dir", m_dir.filePath("t")}, env);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(!r.out.contains("SECRET") && !r.err.contains("SECRET"));
        QCOMPARE(json(r.out)["hf_token"].toString(), QString("***"));
        r = run(m_train, {"--dry-run", "--hf-token", "hf_SECRET_value", "--epochs", "x"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(!r.out.contains("SECRET") && !r.err.contains("SECRET"));
        r = run(m_script, {"--dry-run"}, {{"RFDETR_TRAIN", m_train}, {"HF_TOKEN", "hf_SECRET_value"},
                                           {"OUTPUT_DIR", m_dir.filePath("t2")}, {"CACHE_DIR", m_dir.filePath("c")}});
        QVERIFY(!r.out.contains("SECRET") && !r.err.contains("SECRET"));
    }
    void missingGpusAreAWarningInADryRun() {
        const Result r = run(m_train, {"--dry-run", "--num-gpus", "8", "--output-dir", m_dir.filePath("g")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.err.contains("warning: --num-gpus='8'"));
        QCOMPARE(json(r.out)["effective_batch_size"].toInt(), 4 * 4 * 8);
    }
};

QTEST_GUILESS_MAIN(TstCliConfig)
#include "tst_cli_config.moc"
