// CocoDataset: the folder layout rfdetr reads, its splits, and rfdetr's class-id convention.
#include <QTemporaryDir>
#include <QtTest>

#include "base/coco/coco_dataset.h"
#include "coco_test_files.h"

using namespace studio;
using coco_test::joined;
using coco_test::matching;

namespace {
const char* kSplit = R"({"images": [{"id": 1, "file_name": "a.png", "width": 10, "height": 10}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [1, 1, 2, 2], "area": 4, "iscrowd": 0}],
    "categories": [{"id": 0, "name": "form-fields", "supercategory": "none"}, {"id": 1, "name": "TextBox", "supercategory": "form-fields"},
                   {"id": 2, "name": "ChoiceButton", "supercategory": "form-fields"}, {"id": 3, "name": "Signature", "supercategory": "form-fields"}]})";
}

class TstCocoDataset : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;

  private slots:
    void opensSplitsAndClasses() {
        const std::string root = m_tmp.filePath("ds").toStdString();
        QVERIFY(!CocoDataset::looksLikeCocoDataset(root));
        for (const char* s : {"train", "valid"})
            coco_test::writeText(root + "/" + s + "/_annotations.coco.json", kSplit);
        QVERIFY(CocoDataset::looksLikeCocoDataset(root));
        std::vector<Problem> problems;
        const CocoDataset ds = CocoDataset::open(root, &problems);
        QCOMPARE(ds.splits().size(), std::size_t(2));
        QVERIFY(ds.split("valid") != nullptr);
        QVERIFY(ds.split("test") == nullptr);
        QCOMPARE(ds.split("train")->index.numBoxes(), std::size_t(1));
        QCOMPARE(ds.split("valid")->directory, root + "/valid");
        QVERIFY(!hasErrors(problems));
        QCOMPARE(matching(problems, {"test split is missing"}).size(), std::size_t(1));
        // The CommonForms layout recommended for rfdetr: category 0 is the dataset, 1..3 are
        // classes.
        const ClassList& c = ds.classes();
        QCOMPARE(c.names, (std::vector<std::string>{"TextBox", "ChoiceButton", "Signature"}));
        QCOMPARE(c.numLogits, 4);
        QVERIFY(!c.isClass(0));
        QCOMPARE(c.nameOf(3).value(), std::string("Signature"));
    }

    void classConvention() {
        // YOLO-like ids 0..n-1 without a "none" category: n logits.
        ClassList a = classListFromCategories({{0, "a", "x"}, {1, "b", "x"}});
        QCOMPARE(a.numLogits, 2);
        // Every category "none": no classes at all (what jbarrow's merge_coco.py output gives
        // rfdetr 1.4).
        ClassList none = classListFromCategories({{0, "Text", "none"}, {1, "CheckBox", "none"}});
        QVERIFY(none.classes.empty());
        QCOMPARE(none.numLogits, 0);
        // Gaps: the head is max id + 1 wide.
        QCOMPARE(classListFromCategories({{1, "a", "x"}, {90, "b", "x"}}).numLogits, 91);
    }

    void notAFolder() {
        QVERIFY_THROWS_EXCEPTION(std::runtime_error,
                                 CocoDataset::open(m_tmp.filePath("none").toStdString()));
        const std::string file = m_tmp.filePath("f.json").toStdString();
        coco_test::writeText(file, "{}");
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, CocoDataset::open(file));
    }

    void brokenSplitFileIsAProblemNotAnException() {
        const std::string root = m_tmp.filePath("broken").toStdString();
        coco_test::writeText(root + "/train/_annotations.coco.json", "{\"images\": [}");
        coco_test::writeText(root + "/valid/_annotations.coco.json", kSplit);
        std::vector<Problem> problems;
        const CocoDataset ds = CocoDataset::open(root, &problems);
        QVERIFY2(
            matching(problems, {"train/_annotations.coco.json:1:", "malformed JSON"}).size() == 1,
            joined(problems).c_str());
        QVERIFY(ds.split("train") != nullptr);
        QCOMPARE(ds.split("train")->index.numImages(), std::size_t(0));
    }
};

QTEST_GUILESS_MAIN(TstCocoDataset)
#include "tst_coco_dataset.moc"
