// The small pieces of the Hub client: SHA-256/SHA-1 test vectors, base64, URL building and encoding,
// redirects and origins, Link pagination, the token and cache-root lookup orders, progress formatting.
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>

#include "base/hf/hashing.h"
#include "base/hf/hub_cache.h"
#include "base/hf/hub_client.h"
#include "base/hf/hub_repo.h"
#include "base/hf/hub_token.h"
#include "base/hf/progress.h"

using namespace studio;
using namespace studio::hf;

class TestHfBasics : public QObject {
    Q_OBJECT

private slots:
    void shaTestVectors() {
        // FIPS 180-2 examples.
        QCOMPARE(sha256Hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(sha256Hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                 std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        Hasher h;
        for (int i = 0; i < 1000; ++i) h.update(std::string(1000, 'a'));  // one million 'a'
        QCOMPARE(h.hexDigest(), std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
        // git's blob id of "hello\n" (git hash-object).
        Hasher g(HashKind::Sha1);
        g.update(std::string("blob 6\0hello\n", 13));
        QCOMPARE(g.hexDigest(), std::string("ce013625030ba8dba906f756967f9e9ca394464a"));
        QVERIFY(isSha256Hex(sha256Hex("x")));
        QVERIFY(!isSha256Hex("xyz"));
        QCOMPARE(base64Encode("Man"), std::string("TWFu"));
        QCOMPARE(base64Encode("Ma"), std::string("TWE="));
        QCOMPARE(base64Encode("M"), std::string("TQ=="));
    }

    void urls() {
        const RepoRef r{RepoType::Dataset, "jbarrow/CommonForms", "refs/convert/parquet"};
        QCOMPARE(resolveUrl("https://huggingface.co", r, "default/train/0000.parquet"),
                 std::string("https://huggingface.co/datasets/jbarrow/CommonForms/resolve/refs%2Fconvert%2Fparquet/"
                             "default/train/0000.parquet"));
        QCOMPARE(treeUrl("https://hf.example", RepoRef{RepoType::Model, "a/b", "main"}),
                 std::string("https://hf.example/api/models/a/b/tree/main?recursive=true&expand=false"));
        QCOMPARE(percentEncode("a b/c", true), std::string("a%20b/c"));
        const auto spec = parseDatasetSpec("hf:jbarrow/CommonForms@v1.0");
        QVERIFY(spec);
        QCOMPARE(spec->id, std::string("jbarrow/CommonForms"));
        QCOMPARE(spec->revision, std::string("v1.0"));
        QCOMPARE(parseDatasetSpec("hf:x/y")->revision, std::string("main"));
        QVERIFY(!parseDatasetSpec("jbarrow/CommonForms"));
        QVERIFY(!parseDatasetSpec("hf:../etc"));
        QCOMPARE(hubEndpoint({{"HF_ENDPOINT", "https://mirror.example/"}}), std::string("https://mirror.example"));
        QCOMPARE(hubEndpoint({}), std::string("https://huggingface.co"));
    }

    void originsAndRedirects() {
        QCOMPARE(urlOrigin("https://HuggingFace.co/api/x?y"), std::string("https://huggingface.co:443"));
        QCOMPARE(urlOrigin("http://127.0.0.1:8080/a"), std::string("http://127.0.0.1:8080"));
        QVERIFY(urlOrigin("https://huggingface.co.evil.com/") != urlOrigin("https://huggingface.co/"));
        QVERIFY(urlOrigin("https://user@cdn.example/") == "https://cdn.example:443");
        QCOMPARE(resolveLocation("https://hf.co/a/b?q", "/c/d"), std::string("https://hf.co/c/d"));
        QCOMPARE(resolveLocation("https://hf.co/a/b", "c"), std::string("https://hf.co/a/c"));
        QCOMPARE(resolveLocation("https://hf.co/a", "//cdn.x/y"), std::string("https://cdn.x/y"));
        QCOMPARE(resolveLocation("https://hf.co/a", "https://cdn.x/y"), std::string("https://cdn.x/y"));
        QCOMPARE(redactUrl("https://cdn.x/obj?X-Amz-Signature=secret"), std::string("https://cdn.x/obj"));
        QCOMPARE(nextPageLink(R"(<https://hf.co/api/t?cursor=abc>; rel="next")"), std::string("https://hf.co/api/t?cursor=abc"));
        QCOMPARE(nextPageLink(R"(<https://hf.co/p>; rel="prev")"), std::string(""));
        // The client attaches the token to its own origin only.
        HubClientOptions o;
        o.endpoint = "https://huggingface.co";
        o.token = "hf_x";
        const HubClient c(o);
        HttpRequest hub, cdn, lookalike;
        hub.url = "https://huggingface.co/api/datasets/a/b";
        cdn.url = "https://cas-bridge.xethub.hf.co/x";
        lookalike.url = "https://huggingface.co.evil.com/x";
        cdn.headers = {"Authorization: Bearer stale"};
        c.authorize(hub);
        c.authorize(cdn);
        c.authorize(lookalike);
        QCOMPARE(hub.headers, std::vector<std::string>{"Authorization: Bearer hf_x"});
        QVERIFY(cdn.headers.empty());
        QVERIFY(lookalike.headers.empty());
        RetryPolicy p;
        QCOMPARE(p.delayS(1), 1.0);
        QCOMPARE(p.delayS(3), 4.0);
        QCOMPARE(p.delayS(10), 30.0);
    }

    void tokenLookupOrder() {
        QTemporaryDir dir;
        const std::string home = dir.path().toStdString();
        std::filesystem::create_directories(home + "/.cache/huggingface");
        std::ofstream(home + "/.cache/huggingface/token") << "  hf_file\n";
        EnvMap env{{"HOME", home}};
        QCOMPARE(findHubToken("", env)->value, std::string("hf_file"));
        QCOMPARE(findHubToken("", env)->source, home + "/.cache/huggingface/token");
        env["HUGGING_FACE_HUB_TOKEN"] = "hf_legacy";
        QCOMPARE(findHubToken("", env)->value, std::string("hf_legacy"));
        env["HF_TOKEN"] = "hf_env";
        QCOMPARE(findHubToken("", env)->value, std::string("hf_env"));
        QCOMPARE(findHubToken("", env)->describe(), std::string("a token from HF_TOKEN"));
        QCOMPARE(findHubToken("hf_flag", env)->value, std::string("hf_flag"));
        EnvMap other{{"HOME", home}, {"HF_HOME", home + "/nowhere"}};
        QVERIFY(!findHubToken("", other));
        other["HF_TOKEN_PATH"] = home + "/.cache/huggingface/token";
        QCOMPARE(findHubToken("", other)->value, std::string("hf_file"));
    }

    void cacheRootOrderAndLayout() {
        QCOMPARE(hubCacheRoot("/cache", {{"HF_HUB_CACHE", "/x"}}), std::string("/cache"));
        QCOMPARE(hubCacheRoot("", {{"HF_HUB_CACHE", "/x"}, {"HF_HOME", "/h"}}), std::string("/x"));
        QCOMPARE(hubCacheRoot("", {{"HF_HOME", "/h"}}), std::string("/h/hub"));
        QCOMPARE(hubCacheRoot("", {{"XDG_CACHE_HOME", "/xdg"}}), std::string("/xdg/huggingface/hub"));
        QCOMPARE(hubCacheRoot("", {{"HOME", "/home/u"}}), std::string("/home/u/.cache/huggingface/hub"));
        const HubCache c("/c", {RepoType::Dataset, "jbarrow/CommonForms", "main"});
        QCOMPARE(c.repoFolderName(), std::string("datasets--jbarrow--CommonForms"));
        QCOMPARE(c.lockPath("ab"), std::string("/c/.locks/datasets--jbarrow--CommonForms/ab.lock"));
        QCOMPARE(c.refPath("refs/pr/1"), std::string("/c/datasets--jbarrow--CommonForms/refs/refs/pr/1"));
    }

    void progressLines() {
        QCOMPARE(formatBytes(1500), std::string("1.5 kB"));
        QCOMPARE(formatBytes(153336406972.0), std::string("153.3 GB"));
        QCOMPARE(formatDuration(3725), std::string("1h02m"));
        QCOMPARE(formatDuration(65), std::string("1m05s"));
        ProgressEvent e;
        e.stage = "download";
        e.item = "data/train-00000.parquet";
        e.done = 50e6;
        e.total = 100e6;
        e.ratePerS = 10e6;
        e.etaS = 5;
        const std::string line = formatProgressLine(e, 10);
        QCOMPARE(line, std::string("[=====>    ]  50% 50.0 MB/100.0 MB 10.0 MB/s ETA 5s data/train-00000.parquet"));
        std::vector<ProgressEvent> seen;
        ProgressMeter m("download", 100, [&](const ProgressEvent& ev) { seen.push_back(ev); }, 0);
        m.skip(40);
        m.add(60);
        m.flush();
        QCOMPARE(seen.back().done, 100.0);
        QCOMPARE(seen.back().total, 100.0);
    }
};

QTEST_GUILESS_MAIN(TestHfBasics)
#include "tst_hf_basics.moc"
