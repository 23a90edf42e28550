// Dataset validation on crafted broken datasets: one check per problem kind, each asserting that
// the problem names the file and the record (image / annotation / category id), plus the summary
// numbers.
#include <QTemporaryDir>
#include <QtTest>

#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/coco/dataset_validator.h"
#include "base/image/image_header.h"
#include "coco_test_files.h"

using namespace studio;
using coco_test::joined;
using coco_test::matching;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// A small valid split: `images` PNG pages of 100x80 with two boxes each (Text, CheckBox).
json makeSplit(int images, int firstId = 1) {
    json j;
    j["categories"] = json::array({{{"id", 0}, {"name", "forms"}, {"supercategory", "none"}},
                                   {{"id", 1}, {"name", "Text"}, {"supercategory", "forms"}},
                                   {{"id", 2}, {"name", "CheckBox"}, {"supercategory", "forms"}}});
    j["images"] = json::array();
    j["annotations"] = json::array();
    int ann = 1;
    for (int i = 0; i < images; ++i) {
        const int id = firstId + i;
        j["images"].push_back({{"id", id},
                               {"file_name", "page_" + std::to_string(id) + ".png"},
                               {"width", 100},
                               {"height", 80}});
        j["annotations"].push_back({{"id", ann++},
                                    {"image_id", id},
                                    {"category_id", 1},
                                    {"bbox", {10, 10, 50, 12}},
                                    {"area", 600},
                                    {"iscrowd", 0}});
        j["annotations"].push_back({{"id", ann++},
                                    {"image_id", id},
                                    {"category_id", 2},
                                    {"bbox", {70, 40, 8, 8}},
                                    {"area", 64},
                                    {"iscrowd", 0}});
    }
    return j;
}

}  // namespace

class TstDatasetValidator : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    int m_counter = 0;

    /// Writes a dataset (splits given as JSON; null = absent) with PNG headers for every listed
    /// image.
    std::string writeDataset(const json& train, const json& valid, const json& test = json()) {
        const std::string root = m_tmp.filePath(QString("ds%1").arg(++m_counter)).toStdString();
        const std::pair<const char*, const json*> splits[] = {
            {"train", &train}, {"valid", &valid}, {"test", &test}};
        for (const auto& [name, j] : splits) {
            if (j->is_null())
                continue;
            const std::string dir = root + "/" + name;
            coco_test::writeText(dir + "/_annotations.coco.json", j->dump());
            if (!j->contains("images"))
                continue;
            for (const auto& im : (*j)["images"])
                if (im.contains("file_name") && im["file_name"].is_string())
                    coco_test::writePngHeader(dir + "/" + im["file_name"].get<std::string>(), 100,
                                              80);
        }
        return root;
    }
    DatasetReport check(const std::string& root, DatasetCheckOptions o = {}) {
        o.threads = 3;
        return validateDataset(root, o);
    }
    static bool has(const DatasetReport& r, Severity s, const std::vector<std::string>& needles) {
        for (const auto& p : matching(r.problems, needles))
            if (p.severity == s)
                return true;
        return false;
    }
#define EXPECT_PROBLEM(report, severity, ...) \
    QVERIFY2(has(report, severity, {__VA_ARGS__}), joined((report).problems).c_str())

  private slots:
    void validDatasetPassesWithSummary() {
        json train = makeSplit(6);
        train["annotations"].push_back({{"id", 99},
                                        {"image_id", 1},
                                        {"category_id", 1},
                                        {"bbox", {0, 0, 5, 5}},
                                        {"area", 25},
                                        {"iscrowd", 1}});
        train["images"].push_back(
            {{"id", 50}, {"file_name", "blank.png"}, {"width", 100}, {"height", 80}});
        const std::string root = writeDataset(train, makeSplit(2), makeSplit(2));
        const DatasetReport r = check(root);
        QVERIFY2(!r.hasErrors(), joined(r.problems).c_str());
        QVERIFY2(r.problems.empty(), joined(r.problems).c_str());
        QCOMPARE(r.splits.size(), std::size_t(3));
        const SplitStats& s = r.splits[0];
        QCOMPARE(s.name, std::string("train"));
        QCOMPARE(s.images, std::uint64_t(7));
        QCOMPARE(s.boxes, std::uint64_t(13));
        QCOMPARE(s.crowdBoxes, std::uint64_t(1));
        QCOMPARE(s.imagesWithoutBoxes, std::uint64_t(1));
        QCOMPARE(s.maxBoxesPerImage, std::uint64_t(3));
        QCOMPARE(s.boxesPerCategory.size(), std::size_t(2));
        QCOMPARE(s.boxesPerCategory[0], std::make_pair(std::int64_t(1), std::uint64_t(7)));
        QCOMPARE(s.boxesPerCategory[1], std::make_pair(std::int64_t(2), std::uint64_t(6)));
        QCOMPARE(s.boxesPerImage[0], std::uint64_t(1));  // bin "0"
        QCOMPARE(s.boxesPerImage[2], std::uint64_t(6));  // bin "2-5"
        QCOMPARE(s.imageFiles.ok, std::uint64_t(7));
        QCOMPARE(r.classes.names, (std::vector<std::string>{"Text", "CheckBox"}));
        QCOMPARE(r.classes.numLogits, 3);
        const std::string text = formatDatasetReport(r);
        QVERIFY2(text.find("Classes (2): Text (id 1), CheckBox (id 2)") != std::string::npos,
                 text.c_str());
        QVERIFY2(text.find("3 logits") != std::string::npos, text.c_str());
        QVERIFY2(text.find("OK.") != std::string::npos, text.c_str());
        const json j = datasetReportToJson(r);
        QCOMPARE(j["ok"].get<bool>(), true);
        QCOMPARE(j["splits"][0]["boxes_per_category"]["1"].get<int>(), 7);
        QCOMPARE(j["splits"][0]["boxes_per_image"][2]["boxes"].get<std::string>(),
                 std::string("2-5"));
    }

    void missingSplits() {
        const DatasetReport noValid = check(writeDataset(makeSplit(2), json()));
        EXPECT_PROBLEM(noValid, Severity::Error, "valid/_annotations.coco.json",
                       "valid split is missing");
        const DatasetReport noTest = check(writeDataset(makeSplit(2), makeSplit(1)));
        QVERIFY(!noTest.hasErrors());
        EXPECT_PROBLEM(noTest, Severity::Warning, "test/_annotations.coco.json",
                       "test split is missing");
        const DatasetReport noTrain = check(writeDataset(json(), makeSplit(1)));
        EXPECT_PROBLEM(noTrain, Severity::Error, "train/_annotations.coco.json",
                       "train split is missing");
    }

    void rootThatIsNotAFolder() {
        const DatasetReport missing = check(m_tmp.filePath("nowhere").toStdString());
        EXPECT_PROBLEM(missing, Severity::Error, "nowhere", "does not exist");
        const std::string file = m_tmp.filePath("plain.txt").toStdString();
        coco_test::writeText(file, "x");
        EXPECT_PROBLEM(check(file), Severity::Error, "plain.txt", "is not a folder");
    }

    void malformedJsonWithLineAndColumn() {
        const std::string root = writeDataset(makeSplit(1), makeSplit(1));
        coco_test::writeText(root + "/valid/_annotations.coco.json",
                             "{\"images\": [\n{\"id\": 1 \"file_name\": 2}]}");
        const DatasetReport r = check(root);
        EXPECT_PROBLEM(r, Severity::Error, "valid/_annotations.coco.json:2:10",
                       "malformed JSON at line 2, column 10");
    }

    void imageFileProblems() {
        json train = makeSplit(6);
        const std::string root = writeDataset(train, makeSplit(1));
        const std::string dir = root + "/train/";
        fs::remove(dir + "page_1.png");                              // missing
        coco_test::writeText(dir + "page_2.png", "just some text");  // not an image
        coco_test::writeText(dir + "page_3.png", std::string("RIFF\0\0\0\0WEBPVP8 ", 16));
        coco_test::writePngHeader(dir + "page_4.png", 200, 160);  // wrong size
        fs::remove(dir + "page_5.png");
        fs::create_directory(dir + "page_5.png");      // a folder
        coco_test::writeText(dir + "page_6.png", "");  // empty
        const DatasetReport r = check(root);
        EXPECT_PROBLEM(r, Severity::Error, "train/_annotations.coco.json: image id 1 (page_1.png)",
                       "missing");
        EXPECT_PROBLEM(r, Severity::Error, "image id 2 (page_2.png)", "is not an image");
        EXPECT_PROBLEM(r, Severity::Error, "image id 3 (page_3.png)", "WebP");
        EXPECT_PROBLEM(r, Severity::Error, "image id 4 (page_4.png)",
                       "the image is 200x160 but the annotation file says 100x80");
        EXPECT_PROBLEM(r, Severity::Error, "image id 5 (page_5.png)", "is a folder");
        EXPECT_PROBLEM(r, Severity::Error, "image id 6 (page_6.png)", "is empty");
        QCOMPARE(r.splits[0].imageFiles.missing, std::uint64_t(1));
        QCOMPARE(r.splits[0].imageFiles.notImages, std::uint64_t(4));
        QCOMPARE(r.splits[0].imageFiles.sizeMismatches, std::uint64_t(1));
        // Without image checks none of this is looked at.
        DatasetCheckOptions fast;
        fast.checkImages = false;
        QVERIFY(!check(root, fast).hasErrors());
    }

    void jpegWithExifOrientationAndHugeFiles() {
        json train = makeSplit(3);
        train["images"][0]["file_name"] = "rot.jpg";
        train["images"][1]["file_name"] = "huge.png";
        train["images"][2]["file_name"] = "huge.bin";
        const std::string root = writeDataset(train, makeSplit(1));
        coco_test::writeJpegHeader(root + "/train/rot.jpg", 100, 80, 6);  // decoded as 80x100
        // Sparse multi-gigabyte files: only their first bytes are read.
        coco_test::writePngHeader(root + "/train/huge.png", 100, 80);
        QCOMPARE(::truncate((root + "/train/huge.png").c_str(), off_t(6) << 30), 0);
        coco_test::writeText(root + "/train/huge.bin", "");
        QCOMPARE(::truncate((root + "/train/huge.bin").c_str(), off_t(6) << 30), 0);
        const DatasetReport r = check(root);
        EXPECT_PROBLEM(r, Severity::Warning, "image id 1 (rot.jpg)", "EXIF orientation 6",
                       "decoded as 80x100");
        EXPECT_PROBLEM(r, Severity::Error, "image id 3 (huge.bin)", "is not an image");
        QVERIFY2(matching(r.problems, {"huge.png"}).empty(), joined(r.problems).c_str());
    }

    void boxProblems() {
        json train = makeSplit(2);
        auto& a = train["annotations"];
        a[0]["bbox"] = {10, 10, -5, 12};  // id 1: negative
        a[1]["bbox"] = {10, 10, 0, 12};   // id 2: zero width
        a[2]["bbox"] = {150, 10, 5, 5};   // id 3: outside the 100x80 page
        a[3]["bbox"] = {90, 70, 30, 5};   // id 4: partly outside
        a.push_back(
            {{"id", 5}, {"image_id", 1}, {"category_id", 1}, {"bbox", {1, 1, 1, 1}}, {"area", -3}});
        const DatasetReport r = check(writeDataset(train, makeSplit(1)));
        EXPECT_PROBLEM(r, Severity::Error, "train/_annotations.coco.json: annotation id 1",
                       "negative width or height");
        EXPECT_PROBLEM(r, Severity::Warning, "annotation id 2", "zero width or height");
        EXPECT_PROBLEM(r, Severity::Error, "annotation id 3",
                       "entirely outside its 100x80 image (image id 2)");
        EXPECT_PROBLEM(r, Severity::Warning, "annotation id 4",
                       "extends 20 px outside its 100x80 image");
        EXPECT_PROBLEM(r, Severity::Warning, "annotation id 5", "\"area\" is negative");
    }

    void referenceAndIdProblems() {
        json train = makeSplit(3);
        train["annotations"][0]["image_id"] = 77;    // unknown image
        train["annotations"][1]["category_id"] = 9;  // unknown category
        train["annotations"][3]["id"] = 3;           // repeated annotation id 3
        train["images"][2]["id"] = 2;                // repeated image id 2
        const DatasetReport r = check(writeDataset(train, makeSplit(1)));
        EXPECT_PROBLEM(r, Severity::Error, "train/_annotations.coco.json: annotation id 1",
                       "image_id 77");
        EXPECT_PROBLEM(r, Severity::Error, "annotation id 2", "category_id 9");
        EXPECT_PROBLEM(r, Severity::Error, "annotation id 3", "is used by 2 annotations");
        EXPECT_PROBLEM(r, Severity::Error, "image id 2", "repeats the id of images[1]");
    }

    void categoriesMustMatchAcrossSplits() {
        json valid = makeSplit(1);
        valid["categories"][2]["name"] = "Checkbox";
        valid["categories"].push_back(
            {{"id", 3}, {"name", "Signature"}, {"supercategory", "forms"}});
        json test = makeSplit(1);
        test["categories"].erase(1);
        test["annotations"].erase(0);
        const DatasetReport r = check(writeDataset(makeSplit(2), valid, test));
        EXPECT_PROBLEM(r, Severity::Error, "valid/_annotations.coco.json: category id 2",
                       "is \"CheckBox\" in train");
        EXPECT_PROBLEM(r, Severity::Error, "valid/_annotations.coco.json: category id 3",
                       "not in train's categories");
        EXPECT_PROBLEM(r, Severity::Error, "test/_annotations.coco.json: category id 1",
                       "not in test's");
    }

    void emptySplits() {
        json valid = makeSplit(1);
        valid["annotations"] = json::array();
        json test = makeSplit(0);
        const DatasetReport r = check(writeDataset(makeSplit(1), valid, test));
        EXPECT_PROBLEM(r, Severity::Error, "valid/_annotations.coco.json",
                       "has no boxes: mAP is undefined");
        EXPECT_PROBLEM(r, Severity::Warning, "test/_annotations.coco.json", "lists no images");
        json noImages = makeSplit(0);
        EXPECT_PROBLEM(check(writeDataset(noImages, makeSplit(1))), Severity::Error,
                       "train/_annotations.coco.json", "lists no images");
    }

    void classConventionExplained() {
        json allNone = makeSplit(1);
        for (auto& c : allNone["categories"])
            c["supercategory"] = "none";
        const DatasetReport r1 = check(writeDataset(allNone, allNone));
        EXPECT_PROBLEM(r1, Severity::Error, "train/_annotations.coco.json",
                       "every category has supercategory \"none\"", "rfdetr finds 0 classes");

        json gaps = makeSplit(1);
        gaps["categories"][2]["id"] = 40;
        gaps["annotations"][1]["category_id"] = 40;
        const DatasetReport r2 = check(writeDataset(gaps, gaps));
        EXPECT_PROBLEM(r2, Severity::Warning, "train/_annotations.coco.json",
                       "max id + 1 = 41 logits", "39 of which");
        QCOMPARE(r2.classes.numLogits, 41);

        json huge = makeSplit(1);
        huge["categories"][2]["id"] = 123456;
        huge["annotations"][1]["category_id"] = 123456;
        EXPECT_PROBLEM(check(writeDataset(huge, huge)), Severity::Error, "category id 123456",
                       "123457 logits wide");

        json noneUsed = makeSplit(2);
        noneUsed["annotations"][0]["category_id"] = 0;
        EXPECT_PROBLEM(check(writeDataset(noneUsed, makeSplit(1))), Severity::Warning,
                       "train/_annotations.coco.json: category id 0",
                       "1 boxes use category \"forms\"", "trains logit 0");

        json unused = makeSplit(1);
        unused["categories"].push_back(
            {{"id", 3}, {"name", "Signature"}, {"supercategory", "forms"}});
        EXPECT_PROBLEM(check(writeDataset(unused, unused)), Severity::Warning, "category id 3",
                       "no boxes in train");
    }

    void pagesWithMoreBoxesThanQueries() {
        json train = makeSplit(2);
        for (int k = 0; k < 6; ++k)
            train["annotations"].push_back({{"id", 100 + k},
                                            {"image_id", 2},
                                            {"category_id", 1},
                                            {"bbox", {1, 1, 2, 2}},
                                            {"area", 4}});
        DatasetCheckOptions o;
        o.numQueries = 5;
        const DatasetReport r = check(writeDataset(train, makeSplit(1)), o);
        EXPECT_PROBLEM(r, Severity::Warning, "train/_annotations.coco.json: image id 2",
                       "has 8 boxes but the model has 5 queries");
        QVERIFY(!r.hasErrors());
    }

    void theTrainersCheckUsesTheRunsQueries() {
        json train = makeSplit(1);
        for (int k = 0; k < 3; ++k)
            train["annotations"].push_back({{"id", 100 + k},
                                            {"image_id", 1},
                                            {"category_id", 1},
                                            {"bbox", {1, 1, 2, 2}},
                                            {"area", 4}});
        RunConfig cfg;
        cfg.numQueries = 4;
        const DatasetReport r = validateDatasetForRun(writeDataset(train, makeSplit(1)), cfg);
        EXPECT_PROBLEM(r, Severity::Warning, "image id 1",
                       "has 5 boxes but the model has 4 queries");
        QCOMPARE(r.splits[0].imageFiles.checked, true);
    }

    void manyMissingImagesAreCountedNotListed() {
        const std::string root = writeDataset(makeSplit(60), makeSplit(1));
        for (int i = 1; i <= 60; ++i)
            fs::remove(root + "/train/page_" + std::to_string(i) + ".png");
        const DatasetReport r = check(root);
        QCOMPARE(matching(r.problems, {"image file is missing"}).size(), std::size_t(21));
        EXPECT_PROBLEM(r, Severity::Error, "and 40 more like the above (60 in all)");
        QCOMPARE(r.splits[0].imageFiles.missing, std::uint64_t(60));
    }

    void probeReadsRealHeaders() {
        const std::string png = m_tmp.filePath("h.png").toStdString(),
                          jpg = m_tmp.filePath("h.jpg").toStdString();
        coco_test::writePngHeader(png, 1700, 2200);
        coco_test::writeJpegHeader(jpg, 1234, 567, 0);
        const ImageProbe p = probeImage(png), j = probeImage(jpg);
        QVERIFY(p.ok && j.ok);
        QCOMPARE(p.header.format, ImageFormat::Png);
        QCOMPARE(p.header.width, 1700);
        QCOMPARE(p.header.height, 2200);
        QCOMPARE(j.header.format, ImageFormat::Jpeg);
        QCOMPARE(j.header.width, 1234);
        QCOMPARE(j.header.height, 567);
        QCOMPARE(j.header.exifOrientation, 1);
        // Truncated JPEG: no frame header.
        coco_test::writeText(jpg, std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10));
        const ImageProbe t = probeImage(jpg);
        QVERIFY(!t.ok);
        QVERIFY2(QString::fromStdString(t.error).contains("truncated or damaged JPEG"),
                 t.error.c_str());
        QVERIFY(!probeImage(m_tmp.filePath("none.png").toStdString()).ok);
    }
};

QTEST_GUILESS_MAIN(TstDatasetValidator)
#include "tst_dataset_validator.moc"
