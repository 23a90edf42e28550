// Hugging Face parquet shards -> the COCO folder the trainer reads: splits used as named (validation on
// `valid`, never `test`), Roboflow categories (0 "forms", then Text=1, CheckBox=2, Signature=3), images
// read back from the shards through the index (or extracted), bad shards refused with a clear message,
// and the whole path from the (fake) Hub through prepareHubDataset.
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "base/coco/coco_index.h"
#include "base/hf/hashing.h"
#include "base/hub_dataset/coco_writer.h"
#include "base/hub_dataset/image_store.h"
#include "base/hub_dataset/prepare_hub_dataset.h"
#include "base/parquet/parquet_error.h"
#include "base/util/atomic_file.h"
#include "tools/fake_hub_server.h"

using namespace studio;
using namespace studio::hubdata;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {
std::string fixture(const std::string& name) { return std::string(STUDIO_TEST_DATA_DIR) + "/parquet/" + name; }
json expected() { return json::parse(readFile(fixture("expected.json"))); }

hf::FetchedDataset localDataset(std::vector<std::pair<std::string, std::string>> files,
                                const std::string& repo = "jbarrow/CommonForms") {
    hf::FetchedDataset d;
    d.repo = {hf::RepoType::Dataset, repo, "main"};
    d.commit = "0123456789abcdef0123456789abcdef01234567";
    for (auto& [split, name] : files) d.files.push_back({"data/" + name, fixture(name), split, 0, ""});
    return d;
}

hf::FetchedDataset commonForms() {
    return localDataset({{"test", "test-00000-of-00001.parquet"},
                         {"train", "train-00000-of-00002.parquet"},
                         {"train", "train-00001-of-00002.parquet"},
                         {"valid", "valid-00000-of-00001.parquet"}});
}
}  // namespace

class TestHubDataset : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    // Compares a prepared split with the rows of its shards in expected.json.
    void checkSplit(const std::string& dir, const std::vector<std::string>& shards) {
        const CocoIndex coco = CocoIndex::load(dir + "/_annotations.coco.json");
        const auto& cats = coco.categories();
        QCOMPARE(cats.size(), std::size_t(4));
        QCOMPARE(cats[0].name, std::string("forms"));
        QCOMPARE(cats[0].supercategory, std::string("none"));
        QCOMPARE(cats[1].name, std::string("Text"));
        QCOMPARE(cats[2].name, std::string("CheckBox"));
        QCOMPARE(cats[3].name, std::string("Signature"));
        QCOMPARE(cats[3].supercategory, std::string("forms"));
        auto store = ImageStore::open(dir);
        std::size_t i = 0;
        const json exp = expected();
        for (const auto& shard : shards) {
            for (const auto& row : exp[shard]["rows"]) {
                QVERIFY(i < coco.numImages());
                QCOMPARE(std::string(coco.fileName(i)), row["file_name"].get<std::string>());
                QCOMPARE(coco.width(i), row["width"].get<int>());
                QCOMPARE(coco.height(i), row["height"].get<int>());
                const auto boxes = coco.boxes(i);
                QCOMPARE(boxes.size, row["bbox"].size());
                for (std::size_t k = 0; k < boxes.size; ++k) {
                    QCOMPARE(boxes[k].categoryId, row["category"][k].get<int>() + 1);
                    QCOMPARE(float(boxes[k].w), row["bbox"][k][2].get<float>());
                    QCOMPARE(float(boxes[k].x), row["bbox"][k][0].get<float>());
                }
                QCOMPARE(hf::sha256Hex(store->read(coco.fileName(i))), row["image_sha256"].get<std::string>());
                ++i;
            }
        }
        QCOMPARE(i, coco.numImages());
    }

private slots:
    void splitsClassesAndImagesFromTheShards() {
        const std::string out = m_dir.path().toStdString() + "/prepared";
        std::vector<ProgressEvent> progress;
        const PreparedDataset p = buildPreparedDataset(commonForms(), out, HubImageMode::Index,
                                                       [&](const ProgressEvent& e) { progress.push_back(e); });
        QCOMPARE(p.splits.size(), std::size_t(3));
        QCOMPARE(p.splits[1].name, std::string("valid"));
        QCOMPARE(p.splits[1].sourceSplit, std::string("valid"));
        QCOMPARE(p.classNames, (std::vector<std::string>{"Text", "CheckBox", "Signature"}));
        checkSplit(out + "/train", {"train-00000-of-00002.parquet", "train-00001-of-00002.parquet"});
        checkSplit(out + "/valid", {"valid-00000-of-00001.parquet"});
        checkSplit(out + "/test", {"test-00000-of-00001.parquet"});
        QVERIFY(ImageStore::open(out + "/train")->parquetBacked());
        // No image was copied: the split folders hold only annotations and the index.
        for (const auto& e : fs::recursive_directory_iterator(out))
            QVERIFY2(e.path().extension() != ".png", e.path().c_str());
        QVERIFY(!progress.empty());
        QCOMPARE(progress.back().stage, std::string("index"));
        QCOMPARE(progress.back().done, 22.0);  // 7 + 5 + 6 + 4 pages
        PreparedDataset again;
        QVERIFY(loadPreparedDataset(out, again));
        QCOMPARE(again.splits[0].images, std::int64_t(12));
        QCOMPARE(again.commit, std::string("0123456789abcdef0123456789abcdef01234567"));
    }

    void extractModeWritesTheOriginalPngBytes() {
        const std::string out = m_dir.path().toStdString() + "/extracted";
        buildPreparedDataset(commonForms(), out, HubImageMode::Extract, {});
        QVERIFY(!ImageStore::open(out + "/valid")->parquetBacked());
        checkSplit(out + "/valid", {"valid-00000-of-00001.parquet"});
        checkSplit(out + "/train", {"train-00000-of-00002.parquet", "train-00001-of-00002.parquet"});
    }

    void validationNeverFallsBackToTest() {
        try {
            buildPreparedDataset(localDataset({{"train", "train-00000-of-00002.parquet"},
                                               {"test", "test-00000-of-00001.parquet"}}),
                                 m_dir.path().toStdString() + "/novalid", HubImageMode::Index, {});
            QFAIL("no valid split");
        } catch (const std::runtime_error& e) {
            const std::string m = e.what();
            QVERIFY2(m.find("no validation split") != std::string::npos, m.c_str());
            QVERIFY(m.find("test split is never used for validation") != std::string::npos);
        }
        QVERIFY(!fs::exists(m_dir.path().toStdString() + "/novalid"));
        // A split called "validation" is accepted and written as valid/.
        auto d = localDataset({{"train", "train-00000-of-00002.parquet"}, {"validation", "valid-00000-of-00001.parquet"}});
        const PreparedDataset p = buildPreparedDataset(d, m_dir.path().toStdString() + "/validation", HubImageMode::Index, {});
        QCOMPARE(p.splits[1].name, std::string("valid"));
        QCOMPARE(p.splits[1].sourceSplit, std::string("validation"));
    }

    void aShardOfAnotherSchemaIsRefused() {
        auto d = localDataset({{"train", "wrong_schema.parquet"}, {"valid", "valid-00000-of-00001.parquet"}});
        const std::string out = m_dir.path().toStdString() + "/wrong";
        try {
            buildPreparedDataset(d, out, HubImageMode::Index, {});
            QFAIL("wrong schema");
        } catch (const parquet::ParquetError& e) {
            const std::string m = e.what();
            QVERIFY2(m.find("wrong_schema.parquet") != std::string::npos, m.c_str());
            QVERIFY(m.find("missing image.bytes") != std::string::npos);
            QVERIFY(m.find("Columns found: text, label") != std::string::npos);
        }
        QVERIFY(!fs::exists(out));
    }

    void truncatedShardIsRefusedAndNothingIsLeft() {
        const std::string bad = m_dir.path().toStdString() + "/train-00000-of-00001.parquet";
        const std::string bytes = readFile(fixture("train-00000-of-00002.parquet"));
        writeFileAtomic(bad, bytes.substr(0, bytes.size() - 100));
        hf::FetchedDataset d = localDataset({{"valid", "valid-00000-of-00001.parquet"}});
        d.files.push_back({"data/train-00000-of-00001.parquet", bad, "train", 0, ""});
        const std::string out = m_dir.path().toStdString() + "/truncated";
        QVERIFY_THROWS_EXCEPTION(parquet::ParquetError, buildPreparedDataset(d, out, HubImageMode::Index, {}));
        QVERIFY(!fs::exists(out));
        for (const auto& e : fs::directory_iterator(m_dir.path().toStdString()))
            QVERIFY2(e.path().string().find("truncated.tmp") == std::string::npos, "temporary folder left behind");
    }

    void staleIndexIsDetected() {
        const std::string shard = m_dir.path().toStdString() + "/copy/valid-00000-of-00001.parquet";
        fs::create_directories(fs::path(shard).parent_path());
        fs::copy_file(fixture("valid-00000-of-00001.parquet"), shard);
        hf::FetchedDataset d = localDataset({{"train", "train-00001-of-00002.parquet"}});
        d.files.push_back({"data/valid-00000-of-00001.parquet", shard, "valid", 0, ""});
        const std::string out = m_dir.path().toStdString() + "/stale";
        buildPreparedDataset(d, out, HubImageMode::Index, {});
        QVERIFY(ImageStore::open(out + "/valid")->size() == 6);
        writeFileAtomic(shard, readFile(fixture("test-00000-of-00001.parquet")));
        try {
            ImageStore::open(out + "/valid");
            QFAIL("stale");
        } catch (const std::runtime_error& e) {
            QVERIFY(std::string(e.what()).find("changed size") != std::string::npos);
        }
        fs::remove(shard);
        try {
            ImageStore::open(out + "/valid");
            QFAIL("gone");
        } catch (const std::runtime_error& e) {
            QVERIFY(std::string(e.what()).find("fetch-dataset") != std::string::npos);
        }
    }

    void numbersAreWrittenCompactly() {
        QCOMPARE(jsonNumber(12), std::string("12"));
        QCOMPARE(jsonNumber(10.5), std::string("10.5"));
        QCOMPARE(jsonNumber(0.1), std::string("0.1"));
        QCOMPARE(std::strtod(jsonNumber(1.0 / 3).c_str(), nullptr), 1.0 / 3);
    }

    void fromTheHubThroughPrepareHubDataset() {
        testing::FakeHubServer hub;
        QVERIFY(hub.running());
        json files = json::object();
        for (const char* f : {"train-00000-of-00002.parquet", "train-00001-of-00002.parquet",
                              "valid-00000-of-00001.parquet", "test-00000-of-00001.parquet"})
            files[std::string("data/") + f] = {{"file", fixture(f)}, {"lfs", true}};
        files["README.md"] = {{"content", "LS0tCmxpY2Vuc2U6IGFwYWNoZS0yLjAKLS0tCg=="}, {"lfs", false}};
        QVERIFY(hub.configure({{"repos", {{"datasets/jbarrow/CommonForms",
                                           {{"commit", "89abcdef0123456789abcdef0123456789abcdef"}, {"files", files}}}}},
                               {"page_size", 2}}));
        const std::string home = m_dir.path().toStdString() + "/home";
        const std::string cache = m_dir.path().toStdString() + "/cache";
        EnvMap env{{"HOME", home}, {"HF_ENDPOINT", hub.endpoint()}};
        PrepareOptions o;
        o.fetch.retry.baseDelayS = 0.01;
        const PreparedDataset p = prepareHubDatasetWith("hf:jbarrow/CommonForms", cache, "", {}, o, env);
        QCOMPARE(p.dir, cache + "/hf-datasets/jbarrow--CommonForms/89abcdef0123456789abcdef0123456789abcdef");
        QVERIFY(!p.reused);
        QVERIFY(fs::is_symlink(cache + "/datasets--jbarrow--CommonForms/snapshots/89abcdef0123456789abcdef0123456789abcdef/data/valid-00000-of-00001.parquet"));
        checkSplit(p.dir + "/valid", {"valid-00000-of-00001.parquet"});

        const PreparedDataset again = prepareHubDatasetWith("hf:jbarrow/CommonForms", cache, "", {}, o, env);
        QVERIFY(again.reused);
        QCOMPARE(again.dir, p.dir);

        // No network: the folder prepared for the cached revision is used.
        EnvMap offline = env;
        offline["HF_ENDPOINT"] = "http://127.0.0.1:9";
        o.fetch.retry.maxAttempts = 1;
        const PreparedDataset cached = prepareHubDatasetWith("hf:jbarrow/CommonForms", cache, "", {}, o, offline);
        QVERIFY(cached.reused);
        QCOMPARE(cached.dir, p.dir);
        // ... but not for a dataset never fetched.
        QVERIFY_THROWS_EXCEPTION(hf::HubError, prepareHubDatasetWith("hf:other/Forms", cache, "", {}, o, offline));
    }
};

QTEST_GUILESS_MAIN(TestHubDataset)
#include "tst_hub_dataset.moc"
