// CocoIndex::load: values as written, boxes grouped per image in file order, every structural
// problem named by file and id, malformed and adversarial files, and the parallel reader equal to
// the sequential one (the parallel-reader tests force the nlohmann path; tst_coco_fast_path covers
// the simdjson one).
#include <QTemporaryDir>
#include <QtTest>

#include <random>
#include <sstream>

#include "base/coco/coco_file_parser.h"
#include "base/coco/coco_index.h"
#include "coco_test_files.h"

using namespace studio;
using coco_test::joined;
using coco_test::matching;
using coco_test::writeText;

namespace {

/// A file written with the tricks that could fool a parallel reader: annotations before images,
/// strings holding ", {", escaped quotes, nested objects and arrays of objects inside annotations.
std::string trickyCocoJson(int images, int seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::ostringstream o;
    o.precision(17);
    o << "{\"info\": {\"note\": \"x, {\\\"id\\\": 1}, {\"}, \"annotations\": [\n";
    int annId = 1;
    bool firstAnn = true;
    for (int i = 0; i < images; ++i) {
        const int n = static_cast<int>(rng() % 6);
        for (int k = 0; k < n; ++k) {
            if (!firstAnn)
                o << ",\n";
            firstAnn = false;
            const double x = (rng() % 100000) / 97.0, y = (rng() % 100000) / 89.0;
            const double w = 1 + (rng() % 5000) / 7.0, h = 1 + (rng() % 3000) / 11.0;
            o << "{\"id\": " << annId++ << ", \"image_id\": " << (i * 3 + 7)
              << ", \"category_id\": " << (1 + rng() % 3)
              << ", \"segmentation\": [{\"counts\": \"a, {b\", \"size\": [1, 2]}, {\"x\": [[1, 2], "
                 "{}]}]"
              << ", \"attributes\": {\"text\": \", {\\\"id\\\": 99, \\\"bbox\\\": [1,2,3,4]}\"}"
              << ", \"bbox\": [" << x << ", " << y << ", " << w << ", " << h
              << "], \"area\": " << w * h << ", \"iscrowd\": " << (rng() % 10 == 0 ? 1 : 0) << "}";
        }
    }
    o << "],\n\"images\": [";
    for (int i = 0; i < images; ++i) {
        o << (i ? ", " : "") << "{\"id\": " << (i * 3 + 7) << ", \"file_name\": \"p, {" << i
          << "}.png\", \"width\": " << 1000 + i << ", \"height\": 1400}";
    }
    o << "], \"categories\": [{\"id\": 0, \"name\": \"forms\", \"supercategory\": \"none\"}, "
         "{\"id\": 1, \"name\": \"Text\", \"supercategory\": \"forms\"}, {\"id\": 2, \"name\": "
         "\"CheckBox\", "
         "\"supercategory\": \"forms\"}, {\"id\": 3, \"name\": \"Signature\", \"supercategory\": "
         "\"forms\"}]}\n";
    return o.str();
}

void compareIndexes(const CocoIndex& a, const CocoIndex& b) {
    QCOMPARE(a.numImages(), b.numImages());
    QCOMPARE(a.numBoxes(), b.numBoxes());
    for (std::size_t i = 0; i < a.numImages(); ++i) {
        QCOMPARE(a.imageId(i), b.imageId(i));
        QCOMPARE(a.fileName(i), b.fileName(i));
        const auto ba = a.boxes(i), bb = b.boxes(i);
        QCOMPARE(ba.size, bb.size);
        for (std::size_t k = 0; k < ba.size; ++k) {
            QCOMPARE(ba[k].annotationId, bb[k].annotationId);
            QCOMPARE(ba[k].x, bb[k].x);
            QCOMPARE(ba[k].h, bb[k].h);
            QCOMPARE(ba[k].area, bb[k].area);
            QCOMPARE(a.fileOrdinal(i, k), b.fileOrdinal(i, k));
        }
    }
}

}  // namespace

class TstCocoIndex : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string path(const std::string& n) {
        return m_dir.filePath(QString::fromStdString(n)).toStdString();
    }

  private slots:
    void loadsValuesAndGroupsBoxesPerImage() {
        const std::string p = path("basic/_annotations.coco.json");
        writeText(p, R"({"images": [{"id": 5, "file_name": "a.png", "width": 640, "height": 480},
                                    {"id": 2, "file_name": "b.jpg", "width": 100, "height": 200, "extra": [1, {"x": 2}]}],
            "annotations": [
              {"id": 10, "image_id": 2, "category_id": 1, "bbox": [0.1, 0.2, 10.3, 5.7], "area": 58.71, "iscrowd": 0},
              {"id": 11, "image_id": 5, "category_id": 2, "bbox": [1, 2, 3, 4], "area": 12, "iscrowd": true},
              {"id": 12, "image_id": 2, "category_id": 1, "bbox": [7, 8, 9, 10], "area": 90.5, "segmentation": [[1,2,3]]}],
            "categories": [{"id": 1, "name": "Text", "supercategory": "forms"}, {"id": 2, "name": "Box", "supercategory": "forms"}]})");
        std::vector<Problem> problems;
        const CocoIndex idx = CocoIndex::load(p, &problems);
        QVERIFY2(problems.empty(), joined(problems).c_str());
        QCOMPARE(idx.numImages(), std::size_t(2));
        QCOMPARE(idx.numBoxes(), std::size_t(3));
        QCOMPARE(idx.imageId(0), std::int64_t(5));
        QCOMPARE(idx.fileName(1), std::string_view("b.jpg"));
        QCOMPARE(idx.width(0), 640);
        QCOMPARE(idx.height(1), 200);
        QCOMPARE(idx.indexOfImage(2).value(), std::size_t(1));
        QVERIFY(!idx.indexOfImage(3));
        QCOMPARE(idx.directory(), path("basic"));
        const auto b2 = idx.boxes(1);
        QCOMPARE(b2.size, std::size_t(2));
        QCOMPARE(b2[0].annotationId, std::int64_t(10));
        QCOMPARE(b2[0].x, 0.1);  // exactly the double Python reads
        QCOMPARE(b2[0].h, 5.7);
        QCOMPARE(b2[0].area, 58.71);
        QCOMPARE(b2[1].annotationId, std::int64_t(12));
        QCOMPARE(b2[1].iscrowd, std::uint8_t(0));
        const auto b5 = idx.boxes(0);
        QCOMPARE(b5.size, std::size_t(1));
        QCOMPARE(b5[0].iscrowd, std::uint8_t(1));
        QCOMPARE(b5[0].categoryId, 2);
        // File order survives the regrouping.
        QCOMPARE(idx.fileOrdinal(1, 0), std::uint64_t(0));
        QCOMPARE(idx.fileOrdinal(0, 0), std::uint64_t(1));
        QCOMPARE(idx.fileOrdinal(1, 1), std::uint64_t(2));
        QCOMPARE(idx.categories().size(), std::size_t(2));
        QCOMPARE(idx.categories()[1].name, std::string("Box"));
        QVERIFY(idx.memoryBytes() > 3 * sizeof(CocoBox));
        const CocoIndex copy = idx;  // deep copy
        compareIndexes(copy, idx);
    }

    void missingOptionalFieldsGetDefaultsAndWarnings() {
        const std::string p = path("defaults.json");
        writeText(p, R"({"images": [{"id": 1, "file_name": "a.png"}],
            "annotations": [{"id": 3, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}],
            "categories": [{"id": 1, "name": "Text"}]})");
        std::vector<Problem> problems;
        const CocoIndex idx = CocoIndex::load(p, &problems);
        QCOMPARE(idx.boxes(0)[0].area, 12.0);
        QCOMPARE(idx.boxes(0)[0].iscrowd, std::uint8_t(0));
        QCOMPARE(idx.width(0), 0);
        QVERIFY(!hasErrors(problems));
        QCOMPARE(matching(problems, {"annotation id 3", "\"area\""}).size(), std::size_t(1));
        QCOMPARE(matching(problems, {"image id 1", "\"width\""}).size(), std::size_t(1));
        QCOMPARE(matching(problems, {"category id 1", "supercategory"}).size(), std::size_t(1));
    }

    void malformedJsonNamesLineAndColumn() {
        const std::string p = path("broken.json");
        writeText(p,
                  "{\"images\": [\n  {\"id\": 1, \"file_name\": \"a.png\"},\n  {\"id\": 2,, "
                  "\"file_name\": \"b.png\"}\n]}");
        std::vector<Problem> problems;
        const CocoIndex idx = CocoIndex::load(p, &problems);
        QVERIFY(hasErrors(problems));
        const auto m =
            matching(problems,
                     {"broken.json:3:12", "malformed JSON at line 3, column 12", "unexpected ','"});
        QVERIFY2(m.size() == 1, joined(problems).c_str());
        QCOMPARE(idx.numImages(), std::size_t(1));  // what came before the error
        bool threw = false;
        try {
            CocoIndex::load(p);
        } catch (const std::runtime_error& e) {
            threw = true;
            QVERIFY2(QString(e.what()).contains("line 3, column 12"), e.what());
        }
        QVERIFY(threw);
    }

    void numberOverflowIsAJsonError() {
        // Python would read 1e400 as inf; nlohmann refuses it, and so do we, with its position.
        const std::string p = path("overflow.json");
        writeText(p,
                  "{\"images\": [], \"annotations\": [{\"id\": 1, \"bbox\": [1, 1e400, 2, 2]}]}");
        std::vector<Problem> problems;
        CocoIndex::load(p, &problems);
        QVERIFY2(
            matching(problems, {"overflow.json:1:54", "number overflow parsing '1e400'"}).size() ==
                1,
            joined(problems).c_str());
        QVERIFY2(matching(problems, {"json.exception"}).empty(), joined(problems).c_str());
    }

    void truncatedEmptyAndNonObjectFiles() {
        const std::string t = path("truncated.json");
        writeText(t, "{\"images\": [{\"id\": 1, \"file_na");
        std::vector<Problem> problems;
        CocoIndex::load(t, &problems);
        QVERIFY2(matching(problems, {"truncated.json:1:", "malformed JSON"}).size() == 1,
                 joined(problems).c_str());

        const std::string e = path("empty.json");
        writeText(e, "");
        problems.clear();
        CocoIndex::load(e, &problems);
        QVERIFY2(matching(problems, {"empty.json:1:1", "malformed JSON"}).size() == 1,
                 joined(problems).c_str());

        const std::string a = path("array.json");
        writeText(a, "[{\"id\": 1}]");
        problems.clear();
        CocoIndex::load(a, &problems);
        QVERIFY2(matching(problems, {"array.json", "not a JSON object"}).size() == 1,
                 joined(problems).c_str());
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, CocoIndex::load(a));

        QVERIFY_THROWS_EXCEPTION(std::runtime_error, CocoIndex::load(path("does-not-exist.json")));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, CocoIndex::load(m_dir.path().toStdString()));
    }

    void wrongTypesAndMissingFieldsAreNamedById() {
        const std::string p = path("types.json");
        writeText(p, R"({"images": [{"id": 1, "file_name": "a.png", "width": -5, "height": 10},
                                    {"id": "seven", "file_name": "b.png"}, {"file_name": "c.png"}, 17],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3]},
                            {"id": 2, "image_id": 1, "category_id": "x", "bbox": [1, 2, 3, 4], "area": 12},
                            {"id": 3, "image_id": 1, "category_id": 1, "bbox": "1,2,3,4", "area": 1},
                            {"id": 4, "image_id": 1, "category_id": 1, "area": 1},
                            {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1},
                            {"id": 6, "image_id": 1.0, "category_id": 1, "bbox": [[0], 0, 1, 1], "area": 1},
                            {"id": 7, "image_id": 1.0, "category_id": 1, "bbox": [0, 0, 1, 1], "area": "big"}],
            "categories": [{"id": 1, "name": "Text", "supercategory": "forms"}]})");
        std::vector<Problem> problems;
        const CocoIndex idx = CocoIndex::load(p, &problems);
        const std::string all = joined(problems);
        QVERIFY2(
            matching(problems, {"image id 1", "\"width\" must be a whole number", "-5"}).size() ==
                1,
            all.c_str());
        QVERIFY2(
            matching(problems, {"images[1]", "\"id\" must be an integer", "seven"}).size() == 1,
            all.c_str());
        QVERIFY2(matching(problems, {"images[2]", "has no \"id\""}).size() == 1, all.c_str());
        QVERIFY2(matching(problems, {"images[3]", "not an object"}).size() == 1, all.c_str());
        QVERIFY2(matching(problems, {"annotation id 1", "\"bbox\" must be"}).size() == 1,
                 all.c_str());
        QVERIFY2(
            matching(problems, {"annotation id 2", "\"category_id\" must be an integer"}).size() ==
                1,
            all.c_str());
        QVERIFY2(matching(problems, {"annotation id 3", "\"bbox\" must be"}).size() == 1,
                 all.c_str());
        QVERIFY2(matching(problems, {"annotation id 4", "has no \"bbox\""}).size() == 1,
                 all.c_str());
        QVERIFY2(matching(problems, {"annotations[4]", "has no \"id\""}).size() == 1, all.c_str());
        QVERIFY2(matching(problems, {"annotation id 6", "\"bbox\" must be"}).size() == 1,
                 all.c_str());
        QVERIFY2(matching(problems, {"annotation id 7", "\"area\" must be a number"}).size() == 1,
                 all.c_str());
        // Kept: id 5-less annotation (no id is an error but the box is usable) and id 7 (area
        // defaulted).
        QCOMPARE(idx.numImages(), std::size_t(1));
        QCOMPARE(idx.numBoxes(), std::size_t(2));
        QCOMPARE(idx.skippedAnnotations(), std::uint64_t(5));
    }

    void referencesAndDuplicates() {
        const std::string p = path("refs.json");
        writeText(p, R"({"images": [{"id": 1, "file_name": "a.png", "width": 5, "height": 5},
                                    {"id": 1, "file_name": "dup.png", "width": 5, "height": 5}],
            "annotations": [{"id": 1, "image_id": 9, "category_id": 1, "bbox": [0, 0, 1, 1], "area": 1},
                            {"id": 2, "image_id": 1, "category_id": 4, "bbox": [0, 0, 1, 1], "area": 1}],
            "categories": [{"id": 1, "name": "A", "supercategory": "s"}, {"id": 1, "name": "B", "supercategory": "s"}]})");
        std::vector<Problem> problems;
        const CocoIndex idx = CocoIndex::load(p, &problems);
        const std::string all = joined(problems);
        QVERIFY2(matching(problems, {"image id 1", "repeats the id of images[0]"}).size() == 1,
                 all.c_str());
        QVERIFY2(
            matching(problems, {"annotation id 1", "image_id 9", "not in \"images\""}).size() == 1,
            all.c_str());
        QVERIFY2(matching(problems, {"annotation id 2", "category_id 4"}).size() == 1, all.c_str());
        QVERIFY2(
            matching(problems, {"category id 1", "repeats the id of categories[0]"}).size() == 1,
            all.c_str());
        QCOMPARE(idx.numImages(), std::size_t(1));
        QCOMPARE(idx.fileName(0), std::string_view("a.png"));
        QCOMPARE(idx.numBoxes(), std::size_t(1));
        QCOMPARE(idx.categories().size(), std::size_t(1));
        QCOMPARE(idx.skippedAnnotations(), std::uint64_t(1));
    }

    void missingSectionsAndRepeatedSections() {
        const std::string p = path("sections.json");
        writeText(p, R"({"images": {"id": 1}, "annotations": [], "annotations": []})");
        std::vector<Problem> problems;
        CocoIndex::load(p, &problems);
        const std::string all = joined(problems);
        QVERIFY2(
            matching(problems, {"\"images\"", "must be an array, found an object"}).size() == 1,
            all.c_str());
        QVERIFY2(matching(problems, {"\"annotations\"", "appears twice"}).size() == 1, all.c_str());
        QVERIFY2(matching(problems, {"has no \"categories\" array"}).size() == 1, all.c_str());
    }

    void manyProblemsAreCappedButCounted() {
        std::string text =
            R"({"images": [{"id": 1, "file_name": "a.png", "width": 5, "height": 5}], "annotations": [)";
        for (int i = 0; i < 500; ++i)
            text += std::string(i ? "," : "") + "{\"id\": " + std::to_string(i) +
                    ", \"image_id\": 77, \"category_id\": 1, \"bbox\": [0,0,1,1], \"area\": 1}";
        text += R"(], "categories": [{"id": 1, "name": "A", "supercategory": "s"}]})";
        const std::string p = path("many.json");
        writeText(p, text);
        std::vector<Problem> problems;
        const CocoIndex idx = CocoIndex::load(p, &problems);
        QCOMPARE(matching(problems, {"image_id 77"}).size(),
                 std::size_t(21));  // 20 listed + the summary
        QCOMPARE(matching(problems, {"and 480 more like the above (500 in all)"}).size(),
                 std::size_t(1));
        QCOMPARE(idx.skippedAnnotations(), std::uint64_t(500));
    }

    void adversarialValuesDoNotCrash() {
        // Deep nesting inside an ignored field, huge and odd numbers, unicode, a BOM, \u escapes.
        std::string deep(20000, '[');
        deep += std::string(20000, ']');
        const std::string p = path("adversarial.json");
        writeText(p,
                  "\xEF\xBB\xBF{\"images\": [{\"id\": 1, \"file_name\": "
                  "\"\\u00e9t\\u00e9/\xE2\x82\xAC.png\", \"width\": 1e3, \"height\": 5}],"
                  "\"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, "
                  "\"segmentation\": " +
                      deep +
                      ", \"bbox\": [1e308, -0.0, 1e-320, 12345678901234567890], \"area\": 0, "
                      "\"iscrowd\": 0},"
                      "{\"id\": 99999999999999999999, \"image_id\": 1, \"category_id\": 1, "
                      "\"bbox\": [0,0,1,1], \"area\": 1}],"
                      "\"categories\": [{\"id\": 1, \"name\": \"A\", \"supercategory\": null}]}");
        std::vector<Problem> problems;
        const CocoIndex idx = CocoIndex::load(p, &problems);
        QCOMPARE(idx.fileName(0), std::string_view("\xC3\xA9t\xC3\xA9/\xE2\x82\xAC.png"));
        QCOMPARE(idx.width(0), 1000);
        QCOMPARE(idx.boxes(0).size, std::size_t(2));
        QCOMPARE(idx.boxes(0)[0].x, 1e308);
        QCOMPARE(idx.boxes(0)[0].h, 12345678901234567890.0);
        QVERIFY2(matching(problems, {"annotations[1]", "\"id\" must be an integer"}).size() == 1,
                 joined(problems).c_str());
    }

    void parallelReadEqualsSequential() {
        const std::string p = path("tricky.json");
        writeText(p, trickyCocoJson(1200, 7));
        std::vector<Problem> seqProblems;
        const CocoIndex seq = CocoIndex::load(p, &seqProblems, CocoLoadOptions{1, 1, false});
        QVERIFY2(seqProblems.empty(), joined(seqProblems).c_str());
        QVERIFY(seq.numBoxes() > 2000);
        for (int threads : {2, 3, 8, 12}) {
            std::vector<Problem> problems;
            const CocoIndex par = CocoIndex::load(p, &problems, CocoLoadOptions{threads, 1, false});
            QVERIFY2(problems.empty(), joined(problems).c_str());
            compareIndexes(par, seq);
            // The parts really were read in parallel and adopted (not a silent sequential
            // fallback).
            coco_detail::ParseOptions po;
            po.threads = threads;
            po.minBytesPerPart = 1;
            po.fastPath = false;
            QVERIFY(coco_detail::parseCocoFile(p, po).partsAdopted > 0);
        }
    }

    void parallelReadReportsTheSameErrors() {
        std::string text = trickyCocoJson(800, 3);
        const std::size_t at = text.size() * 3 / 4;
        const std::size_t brace = text.find("\"bbox\"", at);
        text.insert(brace, "\"bad\": tru, ");
        const std::string p = path("tricky_error.json");
        writeText(p, text);
        std::vector<Problem> seq;
        CocoIndex::load(p, &seq, CocoLoadOptions{1, 1, false});
        QVERIFY2(
            matching(seq, {"tricky_error.json:", "malformed JSON", "invalid literal"}).size() == 1,
            joined(seq).c_str());
        for (int threads : {2, 5, 16}) {
            std::vector<Problem> par;
            CocoIndex::load(p, &par, CocoLoadOptions{threads, 1, false});
            QCOMPARE(joined(par), joined(seq));
        }
    }

    void parallelReadSurvivesDamageAnywhere() {
        // Cut, overwrite or insert bytes at random places (inside strings, numbers, between elements):
        // whatever the parallel reader guesses, it must report exactly what one sequential pass reports.
        const std::string clean = trickyCocoJson(300, 11);
        std::mt19937 rng(5);
        const char* junk[] = {"}", "]", ",", "{", "\"", "[{", "},{", "x", "\\", "\n"};
        for (int trial = 0; trial < 18; ++trial) {
            std::string text = clean;
            const std::size_t at = rng() % text.size();
            switch (trial % 3) {
                case 0: text.resize(at); break;
                case 1: text[at] = junk[rng() % 10][0]; break;
                default: text.insert(at, junk[rng() % 10]); break;
            }
            const std::string p = path("damaged.json");
            writeText(p, text);
            std::vector<Problem> seq, par;
            const CocoIndex a = CocoIndex::load(p, &seq, CocoLoadOptions{1, 1, false});
            const CocoIndex b = CocoIndex::load(p, &par, CocoLoadOptions{4, 1, false});
            QCOMPARE(joined(par), joined(seq));
            compareIndexes(b, a);
        }
    }
};

QTEST_GUILESS_MAIN(TstCocoIndex)
#include "tst_coco_index.moc"
