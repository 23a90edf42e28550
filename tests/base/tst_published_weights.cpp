// --pretrain-weights rf-detr-<size>.pth: the published checkpoints rfdetr downloads by name, fetched once
// into the cache from a plain file server (tests/tools/fake_hub.py's /static route standing in for
// Roboflow's storage): resumed after a cut connection, retried on 5xx, never left under the final name when
// incomplete or not a checkpoint, and checked against the model size before any download.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <random>

#include "base/config/validate.h"
#include "base/util/atomic_file.h"
#include "base/weights/published_weights.h"
#include "tools/fake_hub_server.h"
#include "train/error_of.h"

using namespace studio;
using studio::test::errorOf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
// A stand-in checkpoint: a zip local-file header, then noise (the downloader checks only the zip magic; the
// trainer's .pth reader checks the rest).
std::string fakeCheckpoint(std::size_t n) {
    std::mt19937 rng(7);
    std::string s = std::string("PK\x03\x04", 4);
    while (s.size() < n) s.push_back(static_cast<char>(rng() & 0xFF));
    return s;
}

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// The requests for weights the server saw (its log also holds the test's control calls).
std::vector<json> weightRequests(const testing::FakeHubServer& server) {
    std::vector<json> out;
    const json log = server.log();  // (a range-for over server.log()["log"] would outlive the temporary)
    for (const auto& r : log["log"])
        if (r["path"].get<std::string>().rfind("/static/", 0) == 0) out.push_back(r);
    return out;
}

}  // namespace

class TestPublishedWeights : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string m_body = fakeCheckpoint(300 * 1000);

    std::string cache(const char* name) const { return m_dir.path().toStdString() + "/" + name; }

    json serve(const std::string& path, const std::string& data, json faults = json::object()) {
        const std::string local = m_dir.path().toStdString() + "/served-" + std::to_string(std::hash<std::string>{}(path));
        writeFileAtomic(local, data);
        return {{"static", {{path, {{"file", local}}}}}, {"faults", faults}};
    }

    WeightsDownloadOptions options(const testing::FakeHubServer& server, std::vector<ProgressEvent>* seen = nullptr) {
        WeightsDownloadOptions o;
        o.baseUrl = server.endpoint() + "/static";
        o.maxAttempts = 4;
        o.progress = [seen](const ProgressEvent& e) {
            if (seen) seen->push_back(e);
        };
        return o;
    }

  private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void namesMatchRfdetr() {
        QVERIFY(findPublishedWeights("rf-detr-medium.pth"));
        QCOMPARE(std::string(findPublishedWeights("rf-detr-medium.pth")->path),
                 std::string("medium_coco/checkpoint_best_regular.pth"));
        QVERIFY(findPublishedWeights("rf-detr-large-2026.pth")->size == ModelSize::Large);
        QVERIFY(!findPublishedWeights("rf-detr-medium"));
        QCOMPARE(weightsBaseUrl({}), std::string("https://storage.googleapis.com/rfdetr"));
        QCOMPARE(weightsBaseUrl({{"RFDETR_WEIGHTS_BASE_URL", "http://mirror.local/rfdetr/"}}),
                 std::string("http://mirror.local/rfdetr"));
    }

    void anExistingFileIsUsedAsItIs() {
        const std::string local = cache("mine.pth");
        writeFileAtomic(local, m_body);
        QCOMPARE(resolvePretrainWeights(local, cache("c0")), local);
        QVERIFY(!fs::exists(cache("c0")));  // nothing downloaded, nothing created
    }

    void downloadsOnceIntoTheCache() {
        testing::FakeHubServer server;
        QVERIFY(server.running());
        QVERIFY(server.configure(serve("small_coco/checkpoint_best_regular.pth", m_body)));
        std::vector<ProgressEvent> seen;
        const std::string got = resolvePretrainWeights("rf-detr-small.pth", cache("c1"), options(server, &seen));
        QCOMPARE(got, publishedWeightsPath("rf-detr-small.pth", cache("c1")));
        QCOMPARE(fs::path(got).parent_path().filename().string(), std::string("weights"));
        QVERIFY(readAll(got) == m_body);
        QVERIFY(!fs::exists(got + ".part"));
        QVERIFY(!seen.empty());
        QCOMPARE(seen.back().stage, std::string("download"));
        QCOMPARE(seen.back().done, double(m_body.size()));
        QCOMPARE(seen.back().total, double(m_body.size()));
        // Second time: from the cache, no request.
        QCOMPARE(int(weightRequests(server).size()), 1);
        QCOMPARE(resolvePretrainWeights("rf-detr-small.pth", cache("c1"), options(server)), got);
        QCOMPARE(int(weightRequests(server).size()), 1);
    }

    void resumesACutTransferAndRetries5xx() {
        testing::FakeHubServer server;
        QVERIFY(server.running());
        const std::string path = "medium_coco/checkpoint_best_regular.pth";
        QVERIFY(server.configure(serve(path, m_body, {{"cut", {{path, 100000}}}, {"fail", {{"/static/", {503}}}}})));
        std::string got;
        const std::string msg = errorOf([&] { got = resolvePretrainWeights("rf-detr-medium.pth", cache("c2"), options(server)); });
        QVERIFY2(msg.empty(), msg.c_str());
        QVERIFY(readAll(got) == m_body);
        // 503, then the cut transfer, then a ranged request for the rest.
        std::vector<std::string> ranges;
        for (const auto& r : weightRequests(server)) ranges.push_back(r["range"].get<std::string>());
        QCOMPARE(int(ranges.size()), 3);
        QCOMPARE(ranges[2], std::string("bytes=100000-"));
    }

    void aPartialFileIsResumedByTheNextRun() {
        testing::FakeHubServer server;
        QVERIFY(server.running());
        QVERIFY(server.configure(serve("nano_coco/checkpoint_best_regular.pth", m_body)));
        const std::string target = publishedWeightsPath("rf-detr-nano.pth", cache("c3"));
        fs::create_directories(fs::path(target).parent_path());
        writeFileAtomic(target + ".part", m_body.substr(0, 1234));  // left by an interrupted run
        QCOMPARE(resolvePretrainWeights("rf-detr-nano.pth", cache("c3"), options(server)), target);
        QVERIFY(readAll(target) == m_body);
        QCOMPARE(weightRequests(server).at(0)["range"].get<std::string>(), std::string("bytes=1234-"));
    }

    void failuresNameTheFixAndLeaveNoFinalFile() {
        testing::FakeHubServer server;
        QVERIFY(server.running());
        // Not a published name, or a path that does not exist.
        std::string msg = errorOf([&] { resolvePretrainWeights("rf-detr-huge.pth", cache("c4"), options(server)); });
        QVERIFY2(msg.find("not a file and not a published checkpoint") != std::string::npos &&
                     msg.find("rf-detr-medium.pth") != std::string::npos, msg.c_str());
        msg = errorOf([&] { resolvePretrainWeights("/nowhere/rf-detr-small.pth", cache("c4"), options(server)); });
        QVERIFY2(msg.find("/nowhere/rf-detr-small.pth is not a file") == 0, msg.c_str());
        // 404: the mirror lacks it.
        msg = errorOf([&] { resolvePretrainWeights("rf-detr-small.pth", cache("c4"), options(server)); });
        QVERIFY2(msg.find("HTTP 404") != std::string::npos && msg.find("RFDETR_WEIGHTS_BASE_URL") != std::string::npos,
                 msg.c_str());
        QVERIFY(!fs::exists(publishedWeightsPath("rf-detr-small.pth", cache("c4"))));
        // An HTML page where the checkpoint should be (a captive portal or proxy).
        QVERIFY(server.configure(serve("small_coco/checkpoint_best_regular.pth", "<html>please log in</html>")));
        msg = errorOf([&] { resolvePretrainWeights("rf-detr-small.pth", cache("c4"), options(server)); });
        QVERIFY2(msg.find("did not send a PyTorch checkpoint") != std::string::npos, msg.c_str());
        const std::string target = publishedWeightsPath("rf-detr-small.pth", cache("c4"));
        QVERIFY(!fs::exists(target) && !fs::exists(target + ".part"));
        // Persistent 5xx: gives up after the attempts, naming the URL's origin.
        QVERIFY(server.configure(
            serve("small_coco/checkpoint_best_regular.pth", m_body, {{"fail", {{"/static/", {500, 500, 500, 500}}}}})));
        msg = errorOf([&] { resolvePretrainWeights("rf-detr-small.pth", cache("c4"), options(server)); });
        QVERIFY2(msg.find("after 4 attempts") != std::string::npos && msg.find("127.0.0.1") != std::string::npos,
                 msg.c_str());
        QVERIFY(!fs::exists(target));
    }

    // Validation runs before any download: a published checkpoint of another size is refused with the fix.
    void theConfigChecksTheSize() {
        RunConfig cfg = defaultRunConfig();
        cfg.device = DeviceKind::Cpu;
        cfg.outputDir = cache("out");
        cfg.modelSize = ModelSize::Small;
        ValidationContext ctx;
        ctx.purpose = ValidationPurpose::DryRun;
        cfg.pretrainWeights = "rf-detr-medium.pth";
        std::string all;
        for (const auto& p : validateRunConfig(cfg, {}, ctx)) all += p.toString() + "\n";
        QVERIFY2(all.find("holds RF-DETR medium, not small") != std::string::npos &&
                     all.find("--model-size medium") != std::string::npos &&
                     all.find("rf-detr-small.pth") != std::string::npos, all.c_str());
        cfg.pretrainWeights = "rf-detr-small.pth";
        all.clear();
        for (const auto& p : validateRunConfig(cfg, {}, ctx)) all += p.toString() + "\n";
        QVERIFY2(all.find("pretrain_weights") == std::string::npos, all.c_str());
        cfg.pretrainWeights = "weights/rf-detr-small.pth";  // a path: must exist
        all.clear();
        for (const auto& p : validateRunConfig(cfg, {}, ctx)) all += p.toString() + "\n";
        QVERIFY2(all.find("is not a file and not a published checkpoint") != std::string::npos, all.c_str());
    }
};

QTEST_GUILESS_MAIN(TestPublishedWeights)
#include "tst_published_weights.moc"
