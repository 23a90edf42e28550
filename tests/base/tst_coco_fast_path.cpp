// The simdjson fast path of the COCO loader gives exactly what the nlohmann path (the reference)
// gives: on plain files it is used (and cut into many batches, on several threads); on files with
// tricky but plain content (names holding "},{", nested arrays of objects in unknown keys, keys in
// any order, escapes, huge numbers, floats in integer fields) it gives the same output; on anything
// else it gives up and the problems are the reference's, byte for byte.
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/coco/coco_fast_parser.h"
#include "base/coco/coco_file_parser.h"
#include "base/coco/coco_index.h"
#include "coco_test_files.h"

using namespace studio;
using namespace studio::coco_detail;
using coco_test::joined;
using coco_test::writeText;

namespace {

/// Plain COCO with everything the fast path must reproduce exactly. `tricky` adds names and unknown
/// keys full of cut candidates ("},{", "}]", nested arrays of objects), escapes and odd numbers.
std::string cocoJson(int images, unsigned seed, bool tricky) {
    std::mt19937 rng(seed);
    std::ostringstream o;
    o.precision(17);
    auto annotations = [&] {
        o << "\"annotations\": [";
        int id = 1;
        for (int i = 0; i < images; ++i) {
            const int n = static_cast<int>(rng() % 5);
            for (int k = 0; k < n; ++k, ++id) {
                o << (id > 1 ? (rng() % 3 ? ", " : " ,\n\t") : "") << "{";
                const double x = (rng() % 100000) / 97.0, w = 1 + (rng() % 5000) / 7.0;
                std::vector<std::string> fields = {"\"id\": " + std::to_string(id),
                                                   "\"image_id\": " + std::to_string(i * 3 + 7),
                                                   "\"category_id\": " + std::to_string(1 + rng() % 3)};
                std::ostringstream bbox;
                bbox.precision(17);
                bbox << "\"bbox\": [" << x << ", " << (rng() % 2000) << ", " << w << ", 12.5]";
                fields.push_back(bbox.str());
                std::ostringstream area;
                area.precision(17);
                area << "\"area\": " << w * 12.5;
                fields.push_back(area.str());
                if (rng() % 4)
                    fields.push_back(std::string("\"iscrowd\": ") + (rng() % 2 ? (rng() % 2 ? "true" : "false") : "0"));
                fields.push_back("\"segmentation\": [[1, 2, 3, 4]]");
                if (tricky) {
                    fields.push_back(
                        "\"attributes\": [{\"t\": \"},{\\\"id\\\": 5},{\"}, {\"u\": [{}, {}]}, "
                        "{\"v\": \"}]\"}]");
                    fields.push_back("\"note\": {\"a\": [{\"b\": \"},{\"}, {\"c\": null}]}");
                    if (id % 7 == 0)
                        fields[0] = "\"id\": " + std::to_string(id) + ".0";  // float in an int
                    if (id % 11 == 0)
                        fields[3] = "\"bbox\": [1e308, 12345678901234567890, -0.0, 4.9e-324]";
                    if (id % 13 == 0)
                        fields[3] = "\"bbox\": [-0, 18446744073709551615, 1E2, 0.1e-2]";
                }
                std::shuffle(fields.begin(), fields.end(), rng);
                for (std::size_t f = 0; f < fields.size(); ++f)
                    o << (f ? ", " : "") << fields[f];
                o << "}";
            }
        }
        o << "]";
    };
    auto imagesArray = [&] {
        o << "\"images\": [";
        for (int i = 0; i < images; ++i) {
            o << (i ? ", " : "") << "{\"id\": " << (i * 3 + 7) << ", \"file_name\": \"";
            if (tricky && i % 3 == 0)
                o << "p},{" << i << "}]\\\"q\\u00e9\\ud83d\\ude00\\\\"
                  << "\xC3\xA9.png\"";
            else
                o << "page_" << i << ".png\"";
            o << ", \"height\": " << 1400 + i << ", \"width\": " << (tricky && i % 5 == 0 ? "1000.0" : "1000")
              << (tricky ? ", \"extra\": {\"k\": [{\"x\": \"},{\"}, {}]}" : "") << "}";
        }
        o << "]";
    };
    auto categories = [&] {
        o << "\"categories\": [{\"id\": 0, \"name\": \"forms\", \"supercategory\": \"none\"}, "
             "{\"supercategory\": \"forms\", \"name\": \"Text\", \"id\": 1}, {\"id\": 2, \"name\": "
             "\"Check\\tBox\", \"supercategory\": null}, {\"id\": 3, \"name\": \"Signature\", "
             "\"supercategory\": \"forms\", \"color\": [1, 2]}]";
    };
    o << "{";
    if (tricky) {
        o << "\"info\": {\"description\": \"a, b}, {c\", \"n\": [1, {\"x\": \"}\"}]}, ";
        annotations();
        o << ",\n\"licenses\": [{\"id\": 1}, {\"id\": 2}], ";
        imagesArray();
        o << ", \"extra\": 12, ";
        categories();
    } else {
        o << "\"info\": {\"description\": \"plain\"}, \"licenses\": [], ";
        categories();
        o << ", ";
        imagesArray();
        o << ", ";
        annotations();
    }
    o << "}\n";
    return o.str();
}

std::vector<ParsedBox> flatBoxes(ParseOutput& out) {
    std::vector<ParsedBox> v;
    for (auto& c : out.boxes.chunks())
        for (std::size_t i = 0; i < c.size; ++i)
            v.push_back(c[i]);
    return v;
}

bool sameBits(double a, double b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

/// Field-by-field (doubles bit for bit).
void compareParse(ParseResult& fast, ParseResult& ref) {
    QCOMPARE(int(fast.end.kind), int(ref.end.kind));
    for (int s = 0; s < kSectionCount; ++s) {
        QCOMPARE(fast.sawSection[s], ref.sawSection[s]);
        QCOMPARE(fast.output.elements[s], ref.output.elements[s]);
    }
    QCOMPARE(fast.output.names, ref.output.names);
    QCOMPARE(fast.output.images.size(), ref.output.images.size());
    for (std::size_t i = 0; i < ref.output.images.size(); ++i) {
        const ParsedImage &a = fast.output.images[i], &b = ref.output.images[i];
        QCOMPARE(a.id, b.id);
        QCOMPARE(a.nameOffset, b.nameOffset);
        QCOMPARE(a.nameLength, b.nameLength);
        QCOMPARE(a.width, b.width);
        QCOMPARE(a.height, b.height);
    }
    const auto fb = flatBoxes(fast.output), rb = flatBoxes(ref.output);
    QCOMPARE(fb.size(), rb.size());
    for (std::size_t i = 0; i < rb.size(); ++i) {
        const CocoBox &a = fb[i].box, &b = rb[i].box;
        QCOMPARE(fb[i].imageId, rb[i].imageId);
        QVERIFY(sameBits(a.x, b.x) && sameBits(a.y, b.y) && sameBits(a.w, b.w) && sameBits(a.h, b.h) &&
                sameBits(a.area, b.area));
        QCOMPARE(a.categoryId, b.categoryId);
        QCOMPARE(a.iscrowd, b.iscrowd);
        QCOMPARE(a.annotationId, b.annotationId);
    }
    QCOMPARE(fast.output.categories.size(), ref.output.categories.size());
    for (std::size_t i = 0; i < ref.output.categories.size(); ++i) {
        QCOMPARE(fast.output.categories[i].id, ref.output.categories[i].id);
        QCOMPARE(fast.output.categories[i].name, ref.output.categories[i].name);
        QCOMPARE(fast.output.categories[i].supercategory, ref.output.categories[i].supercategory);
    }
    QCOMPARE(fast.output.issues.listed().size(), ref.output.issues.listed().size());
}

ParseResult reference(const std::string& p) {
    ParseOptions po;
    po.threads = 1;
    po.fastPath = false;
    return parseCocoFile(p, po);
}

/// The fast path alone (no fallback), with small batches so the file is cut many times.
bool fastOnly(const std::string& p, int threads, std::size_t batch, ParseResult* r, FastParseStats* stats) {
    FastParseOptions fo;
    fo.threads = threads;
    fo.batchBytes = batch;
    return parseCocoFileFast(p, fo, r, stats);
}

/// CocoIndex::load with and without the fast path: same problems (text) and same index.
void compareLoads(const std::string& p) {
    std::vector<Problem> fastProblems, refProblems;
    CocoLoadOptions fast, ref;
    ref.fastParser = false;
    ref.threads = 1;
    const CocoIndex a = CocoIndex::load(p, &fastProblems, fast);
    const CocoIndex b = CocoIndex::load(p, &refProblems, ref);
    QCOMPARE(joined(fastProblems), joined(refProblems));
    QCOMPARE(a.numImages(), b.numImages());
    QCOMPARE(a.numBoxes(), b.numBoxes());
    QCOMPARE(a.categories().size(), b.categories().size());
    for (std::size_t i = 0; i < a.numImages(); ++i) {
        QCOMPARE(a.imageId(i), b.imageId(i));
        QCOMPARE(a.fileName(i), b.fileName(i));
        QCOMPARE(a.boxes(i).size, b.boxes(i).size);
        for (std::size_t k = 0; k < a.boxes(i).size; ++k) {
            QCOMPARE(a.boxes(i)[k].annotationId, b.boxes(i)[k].annotationId);
            QVERIFY(sameBits(a.boxes(i)[k].x, b.boxes(i)[k].x));
        }
    }
}

}  // namespace

class TstCocoFastPath : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string path(const std::string& n) { return m_dir.filePath(QString::fromStdString(n)).toStdString(); }

  private slots:
    void initTestCase() {
        if (!fastCocoParserAvailable())
            QSKIP("built without simdjson: the nlohmann path alone is used");
    }

    void plainFileUsesTheFastPath() {
        const std::string p = path("plain.json");
        writeText(p, cocoJson(900, 1, false));
        ParseResult ref = reference(p);
        QVERIFY(!ref.fastPath);
        QVERIFY(ref.output.boxes.size() > 1000);
        // Through the loader's default options: the fast path was really used.
        ParseOptions po;
        ParseResult viaLoader = parseCocoFile(p, po);
        QVERIFY2(viaLoader.fastPath, viaLoader.fastPathSkipped.c_str());
        compareParse(viaLoader, ref);
        for (int threads : {1, 2, 4}) {
            for (std::size_t batch : {std::size_t(300), std::size_t(4096), std::size_t(1) << 20}) {
                ParseResult fast;
                FastParseStats stats;
                QVERIFY2(fastOnly(p, threads, batch, &fast, &stats), stats.gaveUp.c_str());
                if (batch < 8192)
                    QVERIFY(stats.batches > 20);
                compareParse(fast, ref);
            }
        }
        compareLoads(p);
    }

    void trickyPlainFileGivesTheSameOutput() {
        for (unsigned seed : {2u, 3u}) {
            const std::string p = path("tricky.json");
            writeText(p, cocoJson(400, seed, true));
            ParseResult ref = reference(p);
            QVERIFY(ref.output.issues.listed().empty());
            std::uint64_t failedCuts = 0;
            for (int threads : {1, 3}) {
                for (std::size_t batch : {std::size_t(200), std::size_t(2000), std::size_t(30000)}) {
                    ParseResult fast;
                    FastParseStats stats;
                    QVERIFY2(fastOnly(p, threads, batch, &fast, &stats), stats.gaveUp.c_str());
                    compareParse(fast, ref);
                    failedCuts += stats.failedCuts;
                }
            }
            // Candidates inside strings and nested values were tried and rejected.
            QVERIFY(failedCuts > 0);
            compareLoads(p);
        }
    }

    void evaluatorFixturesGiveTheSameOutput() {
        std::ifstream in(std::string(STUDIO_TEST_DATA_DIR) + "/coco_eval/cases.json");
        const nlohmann::json cases = nlohmann::json::parse(in);
        int n = 0, usedFast = 0;
        for (const auto& c : cases.at("cases")) {
            for (int indent : {-1, 2}) {
                const std::string p = path("eval_" + std::to_string(n++) + ".json");
                writeText(p, c.at("gt").dump(indent));
                ParseResult ref = reference(p);
                ParseResult fast;
                FastParseStats stats;
                if (fastOnly(p, 2, 64, &fast, &stats)) {
                    ++usedFast;
                    compareParse(fast, ref);
                } else
                    QVERIFY2(!ref.output.issues.listed().empty() || ref.end.kind != ParseEnd::Kind::Complete,
                             ("fast path gave up on a clean file: " + stats.gaveUp).c_str());
                compareLoads(p);
            }
        }
        QVERIFY(n > 4);
        QVERIFY(usedFast > 0);
    }

    void largeSkippedArraysAreValidatedInBatches() {
        std::string licenses = "\"licenses\": [";
        for (int i = 0; i < 3000; ++i)
            licenses += std::string(i ? ", " : "") + "{\"id\": " + std::to_string(i) +
                        ", \"name\": \"a, b},{c\", \"tags\": [{\"x\": 1}, {\"y\": [2, 3]}]}";
        licenses += "], \"videos\": [1, \"two\", {\"three\": 3}]";
        std::string text = cocoJson(60, 4, false);
        const auto at = text.find("\"licenses\": []");
        QVERIFY(at != std::string::npos);
        text.replace(at, std::strlen("\"licenses\": []"), licenses);
        const std::string p = path("licenses.json");
        writeText(p, text);
        ParseResult ref = reference(p);
        ParseResult fast;
        FastParseStats stats;
        QVERIFY2(fastOnly(p, 2, 4096, &fast, &stats), stats.gaveUp.c_str());
        QVERIFY(stats.batches > 30);
        compareParse(fast, ref);
        // A syntax error deep inside the skipped array: the fast path gives up, same problems.
        text.replace(text.find("\"y\": [2, 3]", text.size() / 3), 12, "\"y\": [2,, 3]");
        writeText(p, text);
        QVERIFY(!fastOnly(p, 2, 4096, &fast, &stats));
        compareLoads(p);
    }

    void filesWithProblemsFallBackWithTheSameProblems() {
        const std::string good =
            R"({"images": [{"id": 1, "file_name": "a.png", "width": 10, "height": 20}, {"id": 2, "file_name": "b.png", "width": 10, "height": 20}],
 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "area": 12, "iscrowd": 0}, {"id": 2, "image_id": 2, "category_id": 1, "bbox": [1, 2, 3, 4], "area": 12}],
 "categories": [{"id": 1, "name": "A", "supercategory": "none"}]})";
        QVERIFY(good.find("\"area\": 12, \"iscrowd\": 0") != std::string::npos);
        const std::vector<std::pair<std::string, std::string>> edits = {
            {"\"area\": 12, \"iscrowd\": 0", "\"iscrowd\": 0"},            // missing area
            {"\"id\": 2, \"file_name\"", "\"id\": \"2\", \"file_name\""},  // string id
            {"[1, 2, 3, 4], \"area\": 12}", "[1, 2, 3], \"area\": 12}"},   // 3 numbers
            {"\"iscrowd\": 0", "\"iscrowd\": \"no\""},                     // wrong type
            {"\"iscrowd\": 0", "\"iscrowd\": 0, \"id\": 9"},               // repeated key
            {"\"iscrowd\": 0", "\"iscrowd\": tru"},                        // syntax error
            {"\"iscrowd\": 0}", "\"iscrowd\": 0},"},                       // trailing comma
            {"\"width\": 10, \"height\": 20}, {\"id\": 2", "\"width\": 10}, {\"id\": 2"},
            {"\"supercategory\": \"none\"", "\"name2\": 1"},              // no supercategory
            {"{\"id\": 2, \"image_id\"", "7, {\"id\": 2, \"image_id\""},  // non-object
            {"\"a.png\"", "\"a\xff.png\""},                               // not UTF-8
            {"\"a.png\"", "\"a\\udc00.png\""},                            // lone surrogate
            {"\"a.png\"", "\"a\x01.png\""},                               // control character
            {"\"area\": 12}", "\"area\": 1e400}"},                        // overflow
            {"\"width\": 10, \"height\": 20}, {", "\"width\": -1, \"height\": 20}, {"},
            {"\"categories\"", "\"images\": [], \"categories\""},             // repeated section
            {"\"categories\": [", "\"categories\": 5, \"x\": ["},             // not an array
            {"{\"images\"", "\xEF\xBB\xBF{\"images\""},                       // byte order mark
            {"\"none\"}]}", "\"none\"}]} x"},                                 // trailing content
            {"\"none\"}]}", "\"none\"}]"},                                    // truncated
            {"{\"images\"", "[{\"images\""},                                  // top-level array
            {"\"categories\"", "\"info\": {\"a\": [1,,2]}, \"categories\""},  // bad skipped value
            {"\"segmentation\"", "x"},  // (no such text: the unchanged file, as a control)
        };
        int fellBack = 0;
        for (std::size_t e = 0; e < edits.size(); ++e) {
            std::string text = good;
            const auto at = text.find(edits[e].first);
            if (at != std::string::npos)
                text.replace(at, edits[e].first.size(), edits[e].second);
            const std::string p = path("bad_" + std::to_string(e) + ".json");
            writeText(p, text);
            ParseOptions po;
            const ParseResult r = parseCocoFile(p, po);
            fellBack += r.fastPath ? 0 : 1;
            if (at != std::string::npos)
                QVERIFY2(!r.fastPath, (std::to_string(e) + ": " + text).c_str());
            else
                QVERIFY2(r.fastPath, r.fastPathSkipped.c_str());
            compareLoads(p);
        }
        QCOMPARE(fellBack, static_cast<int>(edits.size()) - 1);
    }

    void damageAnywhereGivesTheReferenceResult() {
        const std::string clean = cocoJson(120, 9, true);
        std::mt19937 rng(21);
        const char* junk[] = {"}", "]", ",", "{", "\"", "[{", "},{", "x", "\\", "\n", "},", "}]"};
        for (int trial = 0; trial < 30; ++trial) {
            std::string text = clean;
            const std::size_t at = rng() % text.size();
            switch (trial % 3) {
                case 0:
                    text.resize(at);
                    break;
                case 1:
                    text[at] = junk[rng() % 12][0];
                    break;
                default:
                    text.insert(at, junk[rng() % 12]);
                    break;
            }
            const std::string p = path("damaged.json");
            writeText(p, text);
            ParseResult ref = reference(p);
            ParseResult fast;
            FastParseStats stats;
            if (fastOnly(p, 3, 500, &fast, &stats))
                compareParse(fast, ref);  // damage that leaves a valid plain file
            compareLoads(p);
        }
    }
};

QTEST_GUILESS_MAIN(TstCocoFastPath)
#include "tst_coco_fast_path.moc"
