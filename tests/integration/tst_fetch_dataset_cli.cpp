// `rfdetr-train fetch-dataset` as users run it, against the fake Hub: downloads, prepares the COCO folder,
// prints where it is; bad names, missing repositories and no network exit non-zero with what to do; the
// token is never printed.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "tools/fake_hub_server.h"

using nlohmann::json;

namespace {
struct Result {
    int exitCode = -1;
    std::string out, err;
};

Result run(const QStringList& args, const QMap<QString, QString>& env) {
    QProcess p;
    QProcessEnvironment e;
    e.insert("PATH", qEnvironmentVariable("PATH"));
    for (auto it = env.begin(); it != env.end(); ++it) e.insert(it.key(), it.value());
    p.setProcessEnvironment(e);
    p.start(qEnvironmentVariable("RFDETR_TRAIN"), QStringList{"fetch-dataset"} + args);
    if (!p.waitForFinished(60000)) {
        p.kill();
        return {};
    }
    return {p.exitCode(), p.readAllStandardOutput().toStdString(), p.readAllStandardError().toStdString()};
}

std::string fixture(const char* name) { return std::string(STUDIO_TEST_DATA_DIR) + "/parquet/" + name; }
}  // namespace

class TstFetchDatasetCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private slots:
    void fetchesPreparesAndSaysWhere() {
        studio::testing::FakeHubServer hub;
        QVERIFY(hub.running());
        json files = json::object();
        for (const char* f : {"train-00000-of-00002.parquet", "valid-00000-of-00001.parquet"})
            files[std::string("data/") + f] = {{"file", fixture(f)}};
        QVERIFY(hub.configure({{"repos", {{"datasets/jbarrow/CommonForms",
                                           {{"commit", "1111111111111111111111111111111111111111"},
                                            {"private", true}, {"files", files}}}}},
                               {"tokens", {{"hf_cli_secret", "read"}}}}));
        const QString cache = m_dir.path() + "/cache";
        QMap<QString, QString> env{{"HOME", m_dir.path()}, {"HF_ENDPOINT", QString::fromStdString(hub.endpoint())},
                                   {"HF_TOKEN", "hf_cli_secret"}};
        Result r = run({"hf:jbarrow/CommonForms", "--cache-dir", cache, "--json"}, env);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const json j = json::parse(r.out);
        QCOMPARE(j["splits"]["train"]["images"].get<int>(), 7);
        QCOMPARE(j["splits"]["valid"]["images"].get<int>(), 6);
        QVERIFY(!j["splits"].contains("test"));
        QVERIFY(QFile::exists(QString::fromStdString(j["dataset_dir"].get<std::string>()) +
                              "/valid/_annotations.coco.json"));
        QVERIFY(r.err.find("hf_cli_secret") == std::string::npos);
        QVERIFY(r.err.find("a token from HF_TOKEN") != std::string::npos);

        // Human output names the folder.
        r = run({"hf:jbarrow/CommonForms", "--cache-dir", cache}, env);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.find("dataset folder: " + cache.toStdString() + "/hf-datasets/jbarrow--CommonForms/") !=
                std::string::npos);

        // The token file of the Python tools works too.
        QDir().mkpath(m_dir.path() + "/hfhome");
        QFile tokenFile(m_dir.path() + "/hfhome/token");
        QVERIFY(tokenFile.open(QIODevice::WriteOnly));
        tokenFile.write("hf_cli_secret\n");
        tokenFile.close();
        QMap<QString, QString> fileEnv{{"HOME", m_dir.path()}, {"HF_HOME", m_dir.path() + "/hfhome"},
                                       {"HF_ENDPOINT", QString::fromStdString(hub.endpoint())}};
        r = run({"hf:jbarrow/CommonForms", "--cache-dir", m_dir.path() + "/cache2", "--download-only", "--split",
                 "valid", "--json"},
                fileEnv);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        QCOMPARE(json::parse(r.out)["files"]["valid"].size(), std::size_t(1));

        // Wrong token: 401 with advice, exit 1, token not shown.
        env["HF_TOKEN"] = "hf_wrong_secret";
        r = run({"hf:jbarrow/CommonForms", "--cache-dir", m_dir.path() + "/cache3"}, env);
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.find("401") != std::string::npos);
        QVERIFY(r.err.find("what to do") != std::string::npos);
        QVERIFY(r.err.find("hf_wrong_secret") == std::string::npos);
    }

    void badInputExitsWithAHint() {
        QMap<QString, QString> env{{"HOME", m_dir.path()}, {"HF_ENDPOINT", "http://127.0.0.1:9"}};
        Result r = run({"jbarrow/CommonForms"}, env);
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.find("hf:<owner>/<name>") != std::string::npos);
        r = run({}, env);
        QCOMPARE(r.exitCode, 2);
        r = run({"hf:a/b", "--cache-dir", m_dir.path() + "/x", "--retries", "1"}, env);  // nothing listens on port 9
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.find("no answer") != std::string::npos);
        r = run({"--help"}, env);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.find("--extract-images") != std::string::npos);
    }

    // The guide's whole workflow against the fake Hub: train on hf:jbarrow/CommonForms (parquet shards read
    // in place, validation on `valid`, never `test`) and publish the best checkpoint with --push-to-hub.
    void trainsFromTheHubAndPushes() {
        studio::testing::FakeHubServer hub;
        QVERIFY(hub.running());
        json files = json::object();
        for (const char* f : {"train-00000-of-00002.parquet", "train-00001-of-00002.parquet",
                              "valid-00000-of-00001.parquet", "test-00000-of-00001.parquet"})
            files[std::string("data/") + f] = {{"file", fixture(f)}};
        QVERIFY(hub.configure({{"repos", {{"datasets/jbarrow/CommonForms",
                                           {{"commit", "2222222222222222222222222222222222222222"},
                                            {"files", files}}}}},
                               {"tokens", {{"hf_writer", "write"}}}}));
        const QString out = m_dir.path() + "/hub-run";
        QMap<QString, QString> env{{"HOME", m_dir.path()}, {"HF_ENDPOINT", QString::fromStdString(hub.endpoint())},
                                   {"HF_TOKEN", "hf_writer"}, {"HF_USERNAME", "me"}, {"OMP_NUM_THREADS", "2"}};
        QProcess p;
        QProcessEnvironment e;
        e.insert("PATH", qEnvironmentVariable("PATH"));
        for (auto it = env.begin(); it != env.end(); ++it) e.insert(it.key(), it.value());
        p.setProcessEnvironment(e);
        p.start(qEnvironmentVariable("RFDETR_TRAIN"),
                {"--dataset", "hf:jbarrow/CommonForms", "--cache-dir", m_dir.path() + "/cache3", "--device", "cpu",
                 "--model-size", "small", "--resolution", "96", "--num-queries", "30", "--no-multi-scale",
                 "--batch-size", "2", "--grad-accum-steps", "1", "--epochs", "1", "--max-steps", "2",
                 "--output-dir", out, "--push-to-hub"});
        QVERIFY(p.waitForFinished(600000));
        const std::string err = p.readAllStandardError().toStdString();
        const std::string stdoutText = p.readAllStandardOutput().toStdString();
        QVERIFY2(p.exitCode() == 0, err.c_str());
        QVERIFY(err.find("hf_writer") == std::string::npos);
        QVERIFY(stdoutText.find("hf_writer") == std::string::npos);
        QVERIFY(stdoutText.find("\"type\":\"eval\"") != std::string::npos);
        QVERIFY(QFile::exists(out + "/checkpoint_best_total.pth"));

        // Validation used `valid` (6 images); the upload created the repo and committed the checkpoint.
        const json log = hub.log();
        QVERIFY2(!log["commits"].empty(), log.dump().c_str());
        bool sawCheckpoint = false, sawReadme = false;
        for (const auto& l : log["commits"].back()["lines"]) {
            if (l["key"] == "header") continue;
            sawCheckpoint |= l["value"]["path"] == "checkpoint_best_total.pth";
            sawReadme |= l["value"]["path"] == "README.md";
        }
        QVERIFY(sawCheckpoint);
        QVERIFY(sawReadme);
        bool created = false;
        for (const auto& entry : log["log"]) created |= entry["path"] == "/api/repos/create";
        QVERIFY(created);
    }
};

QTEST_GUILESS_MAIN(TstFetchDatasetCli)
#include "tst_fetch_dataset_cli.moc"
