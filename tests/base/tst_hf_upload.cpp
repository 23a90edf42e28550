// pushModelToHub against the fake Hub: the create / preupload / LFS batch / PUT / verify / commit
// sequence, the token only on the Hub's origin, a repeated push that sends nothing twice, multipart
// uploads, and 401 / 403 / 409 with what to do.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <random>

#include "base/hf/hashing.h"
#include "base/hf/model_card.h"
#include "base/hf/push_model.h"
#include "base/util/atomic_file.h"
#include "tools/fake_hub_server.h"

using namespace studio;
using namespace studio::hf;
using nlohmann::json;

class TestHfUpload : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string m_checkpoint;

    PushModelRequest request(const testing::FakeHubServer& hub, const std::string& token = "hf_writer") {
        PushModelRequest r;
        r.config = defaultRunConfig();
        r.config.dataset = "hf:jbarrow/CommonForms";
        r.config.hfUsername = "user";
        r.config.hfToken = token;
        r.config.resolution = 1024;
        r.runDir = m_dir.path().toStdString();
        r.classNames = {"Text", "CheckBox", "Signature"};
        r.metrics = {{"map50_95", 0.6123}, {"map50", 0.8345}, {"epoch", 29},
                     {"per_class", {{"Text", 0.55}, {"CheckBox", 0.7}, {"Signature", 0.58}}}};
        r.retry.baseDelayS = 0.01;
        r.retry.maxAttempts = 2;
        m_env = {{"HF_ENDPOINT", hub.endpoint()}, {"HOME", m_dir.path().toStdString()}};
        r.env = &m_env;
        return r;
    }
    EnvMap m_env;

    static json serverState() {
        return {{"tokens", {{"hf_writer", "write"}, {"hf_reader", "read"}}}, {"repos", json::object()}};
    }

private slots:
    void initTestCase() {
        std::mt19937 rng(7);
        std::string bytes(300000, '\0');
        for (auto& c : bytes) c = static_cast<char>(rng());
        m_checkpoint = bytes;
        writeFileAtomic(m_dir.path().toStdString() + "/checkpoint_best_total.pth", bytes);
        writeFileAtomic(m_dir.path().toStdString() + "/results.json",
                        R"({"class_map":{"valid":[{"class":"Text","map@50:95":0.55,"map@50":0.8,"precision":0.9,"recall":0.85}]}})");
    }

    void defaultRepoName() {
        RunConfig c = defaultRunConfig();
        c.hfUsername = "me";
        c.dataset = "hf:jbarrow/CommonForms@main";
        QCOMPARE(defaultHubRepo(c), std::string("me/rfdetr-medium-commonforms"));
        c.dataset = "/data/My Forms/";
        QCOMPARE(defaultHubRepo(c), std::string("me/rfdetr-medium-my-forms"));
        c.dataset = "demo";
        QCOMPARE(defaultHubRepo(c), std::string("me/rfdetr-medium-demo"));
    }

    void uploadSequenceAndRepeatedPush() {
        testing::FakeHubServer hub;
        QVERIFY(hub.configure(serverState()));
        std::vector<ProgressEvent> progress;
        PushModelRequest r = request(hub);
        r.progress = [&](const ProgressEvent& e) { progress.push_back(e); };
        const PushModelResult res = pushModelToHub(r);
        QCOMPARE(res.repoId, std::string("user/rfdetr-medium-commonforms"));
        QVERIFY(res.created);
        QVERIFY(res.checkpointSent);
        QVERIFY(!res.commitUrl.empty());

        const json log = hub.log();
        std::vector<std::string> seq;
        for (const auto& e : log["log"]) {
            const std::string path = e["path"];
            if (path.rfind("/_control", 0) == 0) continue;
            seq.push_back(e["method"].get<std::string>() + " " + path.substr(0, path.find('?')));
            const bool storage = e["host"] == "localhost";
            QVERIFY2(storage != e["auth"].get<bool>(), path.c_str());  // the token goes to the Hub only
        }
        const std::string oid = sha256Hex(m_checkpoint);
        const std::vector<std::string> want = {
            "POST /api/repos/create",
            "POST /api/models/user/rfdetr-medium-commonforms/preupload/main",
            "POST /user/rfdetr-medium-commonforms.git/info/lfs/objects/batch",
            "PUT /lfs-upload/" + oid,
            "POST /user/rfdetr-medium-commonforms.git/info/lfs/objects/verify",
            "POST /api/models/user/rfdetr-medium-commonforms/commit/main"};
        QCOMPARE(seq, want);
        QCOMPARE(log["lfs"][oid].get<std::size_t>(), m_checkpoint.size());

        const json commit = log["commits"][0];
        QCOMPARE(commit["lines"][0]["key"], json("header"));
        std::map<std::string, json> byPath;
        for (const auto& l : commit["lines"])
            if (l["key"] != "header") byPath[l["value"]["path"]] = l;
        QCOMPARE(byPath["checkpoint_best_total.pth"]["key"], json("lfsFile"));
        QCOMPARE(byPath["checkpoint_best_total.pth"]["value"]["oid"], json(oid));
        QCOMPARE(byPath["README.md"]["key"], json("file"));
        const std::string readme = QByteArray::fromBase64(QByteArray::fromStdString(
            byPath["README.md"]["value"]["content"].get<std::string>())).toStdString();
        for (const char* s : {"pipeline_tag: object-detection", "jbarrow/CommonForms", "| 1 | Text |", "| 3 | Signature |",
                              "0.6123", "1024", "| Text | 0.5500 | 0.8000 |"})
            QVERIFY2(readme.find(s) != std::string::npos, s);
        const json config = json::parse(QByteArray::fromBase64(QByteArray::fromStdString(
            byPath["config.json"]["value"]["content"].get<std::string>())).toStdString());
        QCOMPARE(config["num_classes"].get<int>(), 3);
        QCOMPARE(config["id2label"]["2"], json("CheckBox"));
        QVERIFY(!config["training"].contains("hf_token"));
        QVERIFY(config.dump().find("hf_writer") == std::string::npos);
        QVERIFY(!progress.empty());
        QCOMPARE(progress.back().stage, std::string("upload"));
        QCOMPARE(progress.back().done, progress.back().total);

        // Again (e.g. after an interruption): the repo exists (409 is fine) and the checkpoint is not re-sent.
        const PushModelResult again = pushModelToHub(request(hub));
        QVERIFY(!again.created);
        QVERIFY(!again.checkpointSent);
        int puts = 0;
        const json after = hub.log();
        for (const auto& e : after["log"]) puts += e["method"] == "PUT";
        QCOMPARE(puts, 1);
    }

    void multipartUpload() {
        testing::FakeHubServer hub;
        json st = serverState();
        st["multipart_chunk"] = 100000;
        QVERIFY(hub.configure(st));
        const PushModelResult res = pushModelToHub(request(hub));
        QVERIFY(res.checkpointSent);
        const json log = hub.log();
        int parts = 0;
        for (const auto& e : log["log"]) parts += e["path"].get<std::string>().rfind("/lfs-part/", 0) == 0;
        QCOMPARE(parts, 3);
        QCOMPARE(log["lfs"][sha256Hex(m_checkpoint)].get<std::size_t>(), m_checkpoint.size());
    }

    void refusalsSayWhatToDo() {
        testing::FakeHubServer hub;
        QVERIFY(hub.configure(serverState()));
        try {
            pushModelToHub(request(hub, "hf_bogus"));
            QFAIL("401");
        } catch (const HubError& e) {
            QCOMPARE(e.kind(), HubErrorKind::Unauthorized);
            QVERIFY(e.fix().find("HF_TOKEN") != std::string::npos);
            QVERIFY(std::string(e.what()).find("hf_bogus") == std::string::npos);
        }
        try {
            pushModelToHub(request(hub, "hf_reader"));
            QFAIL("403");
        } catch (const HubError& e) {
            QCOMPARE(e.kind(), HubErrorKind::Forbidden);
            QVERIFY(e.fix().find("write access") != std::string::npos);
        }
        json st = serverState();
        st["faults"] = {{"fail", {{"/api/models/user/rfdetr-medium-commonforms/commit", {409}}}}};
        QVERIFY(hub.configure(st));
        try {
            pushModelToHub(request(hub));
            QFAIL("409");
        } catch (const HubError& e) {
            QCOMPARE(e.kind(), HubErrorKind::Conflict);
            QCOMPARE(e.httpStatus(), 409L);
            QVERIFY(e.fix().find("retry") != std::string::npos);
        }
        // No token anywhere, no user name, no checkpoint: refused before any request.
        PushModelRequest r = request(hub, "");
        QVERIFY_THROWS_EXCEPTION(HubError, pushModelToHub(r));
        r = request(hub);
        r.config.hfUsername.clear();
        QVERIFY_THROWS_EXCEPTION(HubError, pushModelToHub(r));
        r = request(hub);
        r.checkpointName = "checkpoint_missing.pth";
        try {
            pushModelToHub(r);
            QFAIL("missing checkpoint");
        } catch (const HubError& e) {
            QVERIFY(std::string(e.what()).find("checkpoint_missing.pth") != std::string::npos);
        }
    }

    void interruptedUploadResumesOnTheNextPush() {
        testing::FakeHubServer hub;
        json st = serverState();
        const std::string oid = sha256Hex(m_checkpoint);
        st["faults"] = {{"fail", {{"/lfs-upload/", {500, 502, 503}}}}};
        QVERIFY(hub.configure(st));
        try {
            pushModelToHub(request(hub));  // 2 attempts, both fail
            QFAIL("the storage is down");
        } catch (const HubError& e) {
            QCOMPARE(e.kind(), HubErrorKind::Server);
        }
        QVERIFY(hub.log()["commits"].empty());  // nothing half-committed
        const PushModelResult res = pushModelToHub(request(hub));  // one failure left, then it goes through
        QVERIFY(res.checkpointSent);
        QCOMPARE(hub.log()["lfs"][oid].get<std::size_t>(), m_checkpoint.size());
    }
};

QTEST_GUILESS_MAIN(TestHfUpload)
#include "tst_hf_upload.moc"
