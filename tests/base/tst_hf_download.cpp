// Hub downloads against the fake Hub (tests/tools/fake_hub.py): pagination, the cache layout shared with
// huggingface_hub, the token never sent to the storage host, resume after an interrupted transfer, checksum
// failures, expired signed URLs, 401/404, retries, no network, a full disk and the per-blob lock.
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "base/hf/dataset_fetch.h"
#include "base/hf/file_lock.h"
#include "base/hf/hashing.h"
#include "base/hf/hub_cache.h"
#include "base/util/atomic_file.h"
#include "tools/fake_hub_server.h"

using namespace studio;
using namespace studio::hf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kToken = "hf_testtoken_secret";

std::string randomBytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
    return s;
}
}  // namespace

class TestHfDownload : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string m_files;  // served file contents
    std::map<std::string, std::string> m_content;

    std::string cacheRoot(const char* name) { return m_dir.path().toStdString() + "/" + name; }

    json repoState(bool isPrivate = false) {
        json files = json::object();
        for (const auto& [path, data] : m_content) {
            const std::string local = m_files + "/" + std::to_string(std::hash<std::string>{}(path));
            writeFileAtomic(local, data);
            files[path] = {{"file", local}, {"lfs", path != "README.md"}};
        }
        return {{"repos", {{"datasets/owner/forms", {{"commit", kCommit}, {"private", isPrivate}, {"files", files}}}}},
                {"tokens", {{kToken, "read"}}},
                {"page_size", 2},
                {"url_ttl", 3600},
                {"faults", json::object()}};
    }

    static FetchOptions fastOptions() {
        FetchOptions o;
        o.retry.maxAttempts = 3;
        o.retry.baseDelayS = 0.01;
        o.retry.maxDelayS = 0.05;
        o.parallelFiles = 2;
        return o;
    }

    static RepoRef repo(const std::string& rev = "main") { return RepoRef{RepoType::Dataset, "owner/forms", rev}; }

    HubClientOptions client(const testing::FakeHubServer& hub, const std::string& token = kToken) {
        HubClientOptions c;
        c.endpoint = hub.endpoint();
        c.token = token;
        return c;
    }

    static int countRequests(const json& log, const std::string& needle, const std::string& host = "") {
        int n = 0;
        for (const auto& e : log["log"])
            if (e["path"].get<std::string>().find(needle) != std::string::npos &&
                (host.empty() || e["host"] == host))
                ++n;
        return n;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_files = m_dir.path().toStdString() + "/served";
        fs::create_directories(m_files);
        m_content["data/train-00000-of-00002.parquet"] = randomBytes(300000, 1);
        m_content["data/train-00001-of-00002.parquet"] = randomBytes(120000, 2);
        m_content["data/valid-00000-of-00001.parquet"] = randomBytes(50000, 3);
        m_content["data/test-00000-of-00001.parquet"] = randomBytes(40000, 4);
        m_content["README.md"] = "---\nlicense: apache-2.0\n---\n# forms\n";
        m_content[".gitattributes"] = "*.parquet filter=lfs\n";
    }

    void splitNamesFromPaths() {
        QCOMPARE(splitOfPath("data/train-00000-of-00008.parquet"), std::string("train"));
        QCOMPARE(splitOfPath("data/valid-00003-of-00004.parquet"), std::string("valid"));
        QCOMPARE(splitOfPath("default/test/0000.parquet"), std::string("test"));
        QCOMPARE(splitOfPath("README.md"), std::string(""));
        QVERIFY(!isSafeRepoPath("../etc/passwd"));
        QVERIFY(!isSafeRepoPath("/abs"));
        QVERIFY(!isSafeRepoPath("a//b"));
        QVERIFY(isSafeRepoPath("data/x.parquet"));
    }

    void listsEveryPageAndDownloadsIntoTheSharedCacheLayout() {
        testing::FakeHubServer hub;
        QVERIFY(hub.running());
        QVERIFY(hub.configure(repoState()));
        const std::string root = cacheRoot("layout");
        std::vector<ProgressEvent> progress;
        FetchOptions o = fastOptions();
        o.progress = [&](const ProgressEvent& e) { progress.push_back(e); };
        const FetchedDataset ds = fetchHubDataset(repo(), root, client(hub), o);

        QCOMPARE(ds.commit, kCommit);
        QCOMPARE(ds.files.size(), std::size_t(4));
        QCOMPARE(ds.split("train").size(), std::size_t(2));
        QCOMPARE(ds.split("valid").size(), std::size_t(1));
        QCOMPARE(ds.split("test").size(), std::size_t(1));
        const json log = hub.log();
        QVERIFY2(countRequests(log, "/tree/") >= 3, "6 entries at 2 per page need 3 pages");

        const std::string repoDir = root + "/datasets--owner--forms";
        QCOMPARE(readFile(repoDir + "/refs/main"), kCommit);
        for (const auto& f : ds.files) {
            QCOMPARE(readFile(f.localPath), m_content[f.repoPath]);
            const std::string sha = sha256Hex(m_content[f.repoPath]);
            QVERIFY(fs::is_symlink(f.localPath));
            // Relative link, exactly as huggingface_hub makes it.
            QCOMPARE(fs::read_symlink(f.localPath).string(), "../../../blobs/" + sha);
            QVERIFY(fs::is_regular_file(repoDir + "/blobs/" + sha));
            QVERIFY(fs::exists(root + "/.locks/datasets--owner--forms/" + sha + ".lock"));
        }
        // The dataset card is a git file: named by its git blob sha1 and verified with it.
        QVERIFY(!ds.readmePath.empty());
        QCOMPARE(readFile(ds.readmePath), m_content["README.md"]);
        QVERIFY(isSha1Hex(fs::read_symlink(ds.readmePath).filename().string()));

        QVERIFY(!progress.empty());
        QCOMPARE(progress.back().stage, std::string("download"));
        QCOMPARE(progress.back().done, progress.back().total);
        QCOMPARE(progress.back().total, double(300000 + 120000 + 50000 + 40000 + m_content["README.md"].size()));

        // A second fetch downloads nothing.
        const int storageBefore = countRequests(log, "/storage/");
        const FetchedDataset again = fetchHubDataset(repo(), root, client(hub), fastOptions());
        QCOMPARE(again.downloadedBytes, std::uint64_t(0));
        QCOMPARE(countRequests(hub.log(), "/storage/"), storageBefore);
    }

    void tokenGoesToTheHubButNeverToTheStorageHost() {
        testing::FakeHubServer hub;
        QVERIFY(hub.configure(repoState(true)));
        fetchHubDataset(repo(), cacheRoot("token"), client(hub), fastOptions());
        int hubWithToken = 0, storage = 0;
        const json seen = hub.log();
        for (const auto& e : seen["log"]) {
            if (e["path"].get<std::string>().rfind("/_control", 0) == 0) continue;
            if (e["host"] == "localhost") {
                ++storage;
                QVERIFY2(!e["auth"].get<bool>(), "the token must not be forwarded to another host");
            } else {
                QVERIFY(e["auth"].get<bool>());
                QCOMPARE(e["token"].get<std::string>(), kToken);
                ++hubWithToken;
            }
        }
        if (storage < 5) qWarning("%s", hub.log().dump(1).c_str());
        QVERIFY(storage >= 5);
        QVERIFY(hubWithToken >= 5);
    }

    void resumesAnInterruptedTransferWithRange() {
        testing::FakeHubServer hub;
        json st = repoState();
        st["faults"] = {{"cut", {{"data/train-00000-of-00002.parquet", 100000}}}};
        QVERIFY(hub.configure(st));
        const FetchedDataset ds = fetchHubDataset(repo(), cacheRoot("resume"), client(hub), fastOptions());
        QCOMPARE(readFile(ds.split("train")[0]->localPath), m_content["data/train-00000-of-00002.parquet"]);
        bool ranged = false;
        const json seen = hub.log();
        for (const auto& e : seen["log"])
            if (e["range"] == "bytes=100000-") ranged = true;
        QVERIFY2(ranged, "the second request must continue at byte 100000");
    }

    void partialDownloadSurvivesARunAndIsNeverTakenForComplete() {
        testing::FakeHubServer hub;
        json st = repoState();
        st["faults"] = {{"cut", {{"data/valid-00000-of-00001.parquet", 20000}}}};
        QVERIFY(hub.configure(st));
        const std::string root = cacheRoot("partial");
        FetchOptions o = fastOptions();
        o.splits = {"valid"};
        o.retry.maxAttempts = 1;  // the "process" gives up at the first interruption
        QVERIFY_THROWS_EXCEPTION(HubError, fetchHubDataset(repo(), root, client(hub), o));
        const std::string sha = sha256Hex(m_content["data/valid-00000-of-00001.parquet"]);
        const std::string blobs = root + "/datasets--owner--forms/blobs/";
        QVERIFY(!fs::exists(blobs + sha));
        QCOMPARE(fs::file_size(blobs + sha + ".incomplete"), std::uintmax_t(20000));
        QVERIFY(!fs::exists(root + "/datasets--owner--forms/snapshots/" + kCommit + "/data/valid-00000-of-00001.parquet"));

        o.retry.maxAttempts = 3;
        const FetchedDataset ds = fetchHubDataset(repo(), root, client(hub), o);
        QCOMPARE(readFile(ds.files[0].localPath), m_content["data/valid-00000-of-00001.parquet"]);
        QVERIFY(!fs::exists(blobs + sha + ".incomplete"));
        QCOMPARE(ds.downloadedBytes, std::uint64_t(50000));  // the shard was missing (only its tail was sent)
        bool ranged = false;
        const json seen = hub.log();
        for (const auto& e : seen["log"])
            if (e["range"] == "bytes=20000-") ranged = true;
        QVERIFY(ranged);
    }

    void serverIgnoringRangeRestartsFromZero() {
        testing::FakeHubServer hub;
        json st = repoState();
        st["faults"] = {{"cut", {{"data/valid-00000-of-00001.parquet", 10000}}}, {"ignore_range", 1}};
        QVERIFY(hub.configure(st));
        FetchOptions o = fastOptions();
        o.splits = {"valid"};
        const FetchedDataset ds = fetchHubDataset(repo(), cacheRoot("norange"), client(hub), o);
        QCOMPARE(readFile(ds.files[0].localPath), m_content["data/valid-00000-of-00001.parquet"]);
    }

    void wrongChecksumIsRetriedOnceThenRefused() {
        testing::FakeHubServer hub;
        json st = repoState();
        st["faults"] = {{"corrupt", {{"data/test-00000-of-00001.parquet", 1}}}};
        QVERIFY(hub.configure(st));
        FetchOptions o = fastOptions();
        o.splits = {"test"};
        const FetchedDataset ok = fetchHubDataset(repo(), cacheRoot("sum1"), client(hub), o);
        QCOMPARE(readFile(ok.files[0].localPath), m_content["data/test-00000-of-00001.parquet"]);

        st["faults"] = {{"corrupt", {{"data/test-00000-of-00001.parquet", 5}}}};
        QVERIFY(hub.configure(st));
        const std::string root = cacheRoot("sum2");
        try {
            fetchHubDataset(repo(), root, client(hub), o);
            QFAIL("a corrupt download must fail");
        } catch (const HubError& e) {
            QCOMPARE(e.kind(), HubErrorKind::Integrity);
            QVERIFY(std::string(e.what()).find("checksum mismatch") != std::string::npos);
            QVERIFY(std::string(e.what()).find("data/test-00000-of-00001.parquet") != std::string::npos);
        }
        const std::string sha = sha256Hex(m_content["data/test-00000-of-00001.parquet"]);
        QVERIFY(!fs::exists(root + "/datasets--owner--forms/blobs/" + sha));
        QVERIFY(!fs::exists(root + "/datasets--owner--forms/blobs/" + sha + ".incomplete"));
    }

    void expiredSignedUrlIsResolvedAgain() {
        testing::FakeHubServer hub;
        json st = repoState();
        st["faults"] = {{"expire", 2}};
        QVERIFY(hub.configure(st));
        FetchOptions o = fastOptions();
        o.splits = {"valid"};
        o.parallelFiles = 1;
        const FetchedDataset ds = fetchHubDataset(repo(), cacheRoot("expire"), client(hub), o);
        QCOMPARE(readFile(ds.files[0].localPath), m_content["data/valid-00000-of-00001.parquet"]);
        QVERIFY(countRequests(hub.log(), "/resolve/") >= 3);

        st["url_ttl"] = -10;  // every link is born expired: give up with advice
        st["faults"] = json::object();
        QVERIFY(hub.configure(st));
        o.blob.maxUrlRefreshes = 2;
        try {
            fetchHubDataset(repo(), cacheRoot("expire2"), client(hub), o);
            QFAIL("must give up");
        } catch (const HubError& e) {
            QVERIFY(std::string(e.what()).find("fresh download links") != std::string::npos);
            QVERIFY(e.fix().find("clock") != std::string::npos);
        }
    }

    void unauthorizedAndNotFoundSayWhatToDo() {
        testing::FakeHubServer hub;
        QVERIFY(hub.configure(repoState(true)));
        try {
            fetchHubDataset(repo(), cacheRoot("401"), client(hub, ""), fastOptions());
            QFAIL("private repo without token");
        } catch (const HubError& e) {
            QCOMPARE(e.kind(), HubErrorKind::Unauthorized);
            QCOMPARE(e.httpStatus(), 401L);
            QVERIFY(e.fix().find("HF_TOKEN") != std::string::npos);
            QVERIFY(std::string(e.what()).find("owner/forms") != std::string::npos);
        }
        try {
            fetchHubDataset(repo(), cacheRoot("401b"), client(hub, "hf_wrong"), fastOptions());
            QFAIL("wrong token");
        } catch (const HubError& e) {
            QCOMPARE(e.kind(), HubErrorKind::Unauthorized);
            QVERIFY(std::string(e.what()).find("rejected the token") != std::string::npos);
            QVERIFY(std::string(e.what()).find("hf_wrong") == std::string::npos);
        }
        try {
            fetchHubDataset(RepoRef{RepoType::Dataset, "owner/missing", "main"}, cacheRoot("404"), client(hub),
                            fastOptions());
            QFAIL("missing repo");
        } catch (const HubError& e) {
            QCOMPARE(e.kind(), HubErrorKind::NotFound);
            QVERIFY(std::string(e.what()).find("owner/missing") != std::string::npos);
        }
        try {
            fetchHubDataset(repo("v9"), cacheRoot("404b"), client(hub), fastOptions());
            QFAIL("missing revision");
        } catch (const HubError& e) {
            QCOMPARE(e.kind(), HubErrorKind::NotFound);
            QVERIFY(std::string(e.what()).find("revision") != std::string::npos);
        }
    }

    void serverErrorsAreRetriedWithBackoff() {
        testing::FakeHubServer hub;
        json st = repoState();
        st["faults"] = {{"fail", {{"/api/datasets/owner/forms/revision", {503, 500}}}}};
        QVERIFY(hub.configure(st));
        FetchOptions o = fastOptions();
        o.splits = {"valid"};
        const FetchedDataset ds = fetchHubDataset(repo(), cacheRoot("5xx"), client(hub), o);
        QCOMPARE(ds.commit, kCommit);
        QCOMPARE(countRequests(hub.log(), "/revision/"), 3);
    }

    void noNetworkIsAClearError() {
        HubClientOptions c;
        c.endpoint = "http://127.0.0.1:9";  // discard port: nothing listens
        try {
            fetchHubDataset(repo(), cacheRoot("offline"), c, fastOptions());
            QFAIL("no server");
        } catch (const HubError& e) {
            QCOMPARE(e.kind(), HubErrorKind::Network);
            QVERIFY(std::string(e.what()).find("no answer") != std::string::npos);
            QVERIFY(e.fix().find("network") != std::string::npos);
        }
    }

    void offlineModeUsesTheCache() {
        testing::FakeHubServer hub;
        QVERIFY(hub.configure(repoState()));
        const std::string root = cacheRoot("offline-cache");
        fetchHubDataset(repo(), root, client(hub), fastOptions());
        FetchOptions o = fastOptions();
        o.offline = true;
        HubClientOptions nowhere;
        nowhere.endpoint = "http://127.0.0.1:9";
        const FetchedDataset ds = fetchHubDataset(repo(), root, nowhere, o);
        QCOMPARE(ds.commit, kCommit);
        QCOMPARE(ds.files.size(), std::size_t(4));
        QVERIFY_THROWS_EXCEPTION(HubError, fetchHubDataset(repo(), cacheRoot("empty"), nowhere, o));
    }

    void fullDiskKeepsThePartialFileAndResumesLater() {
        testing::FakeHubServer hub;
        QVERIFY(hub.configure(repoState()));
        const std::string root = cacheRoot("full");
        fs::create_directories(root);
        FetchOptions o = fastOptions();
        o.splits = {"valid"};
        o.parallelFiles = 1;
        // A 16 kB file size limit stands in for a full disk: writes past it fail with EFBIG.
        ::signal(SIGXFSZ, SIG_IGN);
        rlimit old{};
        ::getrlimit(RLIMIT_FSIZE, &old);
        rlimit tiny = old;
        tiny.rlim_cur = 16384;
        ::setrlimit(RLIMIT_FSIZE, &tiny);
        std::string message, fix;
        try {
            fetchHubDataset(repo(), root, client(hub), o);
        } catch (const HubError& e) {
            message = e.what();
            fix = e.fix();
            QCOMPARE(e.kind(), HubErrorKind::Disk);
        }
        ::setrlimit(RLIMIT_FSIZE, &old);
        QVERIFY2(message.find("disk is full") != std::string::npos, message.c_str());
        QVERIFY(message.find(".incomplete") != std::string::npos);
        QVERIFY(fix.find("--cache-dir") != std::string::npos);
        const std::string sha = sha256Hex(m_content["data/valid-00000-of-00001.parquet"]);
        QVERIFY(!fs::exists(root + "/datasets--owner--forms/blobs/" + sha));
        QVERIFY(fs::file_size(root + "/datasets--owner--forms/blobs/" + sha + ".incomplete") <= 16384);
        const FetchedDataset ds = fetchHubDataset(repo(), root, client(hub), o);
        QCOMPARE(readFile(ds.files[0].localPath), m_content["data/valid-00000-of-00001.parquet"]);
    }

    void aSecondProcessWaitsForTheBlobLock() {
        testing::FakeHubServer hub;
        QVERIFY(hub.configure(repoState()));
        const std::string root = cacheRoot("lock");
        const std::string sha = sha256Hex(m_content["data/valid-00000-of-00001.parquet"]);
        const HubCache cache(root, repo());
        FetchOptions o = fastOptions();
        o.splits = {"valid"};
        {
            FileLock held(cache.lockPath(sha));  // "another process" downloads this blob
            o.blob.lockTimeoutS = 0.3;
            try {
                fetchHubDataset(repo(), root, client(hub), o);
                QFAIL("the lock is held");
            } catch (const std::runtime_error& e) {
                QVERIFY(std::string(e.what()).find("another process") != std::string::npos);
            }
            QCOMPARE(countRequests(hub.log(), "/storage/" + sha), 0);
        }
        // Released: the next run proceeds.
        o.blob.lockTimeoutS = 0;
        std::unique_ptr<FileLock> held = std::make_unique<FileLock>(cache.lockPath(sha));
        std::thread release([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            held.reset();
        });
        const FetchedDataset ds = fetchHubDataset(repo(), root, client(hub), o);
        release.join();
        QCOMPARE(readFile(ds.files[0].localPath), m_content["data/valid-00000-of-00001.parquet"]);
    }
};

QTEST_GUILESS_MAIN(TestHfDownload)
#include "tst_hf_download.moc"
