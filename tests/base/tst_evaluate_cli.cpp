// `rfdetr-train evaluate` through its function: JSON and text output equal to the evaluator's,
// loadRes' refusal of unknown images, malformed inputs named with line and column, usage errors.
#include <QTemporaryDir>
#include <QtTest>

#include <sstream>

#include <nlohmann/json.hpp>

#include "base/eval/detections_json.h"
#include "base/eval/evaluate_cli.h"
#include "coco_test_files.h"

using namespace studio;

class TstEvaluateCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    std::string m_gt, m_dt;

    int run(const std::vector<std::string>& args, std::string* out, std::string* err) {
        std::ostringstream o, e;
        const int code = runEvaluateCli(args, o, e);
        *out = o.str();
        *err = e.str();
        return code;
    }
    std::string file(const char* name, const std::string& text) {
        const std::string p = m_tmp.filePath(name).toStdString();
        coco_test::writeText(p, text);
        return p;
    }

  private slots:
    void initTestCase() {
        m_gt = file("gt.json",
                    R"({"images": [{"id": 1, "file_name": "1.png", "width": 100, "height": 100}],
            "categories": [{"id": 0, "name": "forms", "supercategory": "none"}, {"id": 1, "name": "Text", "supercategory": "forms"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 50, 40], "area": 2000, "iscrowd": 0}]})");
        saveDetectionsJson(m_tmp.filePath("dt.json").toStdString(), {{1, 1, 10, 10, 30, 40, 0.9}});
        m_dt = m_tmp.filePath("dt.json").toStdString();
    }

    void jsonOutput() {
        std::string out, err;
        QCOMPARE(run({"--annotations", m_gt, "--detections", m_dt, "--json"}, &out, &err), 0);
        const auto j = nlohmann::json::parse(out);
        QCOMPARE(j["stats"].size(), std::size_t(12));
        QVERIFY(std::fabs(j["stats"][0].get<double>() - 0.3) <
                1e-12);  // IoU 0.6: matched at 3 of 10 thresholds
        QCOMPARE(j["stats"][1].get<double>(), 1.0);
        QVERIFY(std::fabs(j["per_class"]["1"].get<double>() - 0.3) < 1e-12);
        QCOMPARE(j["per_class"]["0"].get<double>(), -1.0);
        QVERIFY(!j.contains("results"));
        QCOMPARE(
            run({"--annotations", m_gt, "--detections", m_dt, "--json", "--extended"}, &out, &err),
            0);
        QCOMPARE(nlohmann::json::parse(out)["results"]["class_map"][0]["class"].get<std::string>(),
                 std::string("Text"));
    }

    void textOutputAsPycocotools() {
        std::string out, err;
        QCOMPARE(run({"--annotations", m_gt, "--detections", m_dt}, &out, &err), 0);
        QVERIFY2(
            out.rfind(
                " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.300\n",
                0) == 0,
            out.c_str());
        QVERIFY2(out.find("0.300  1 Text") != std::string::npos, out.c_str());
        QVERIFY2(out.find("    -  0 forms") != std::string::npos, out.c_str());
        QCOMPARE(run({"--annotations", m_gt, "--detections", m_dt, "--max-dets", "1,10,500"}, &out,
                     &err),
                 0);
        QVERIFY2(out.find("maxDets=500 ] = 0.300") != std::string::npos, out.c_str());
    }

    void unknownImageIsRefused() {
        const std::string dt =
            file("unknown.json",
                 R"([{"image_id": 7, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}])");
        std::string out, err;
        QCOMPARE(run({"--annotations", m_gt, "--detections", dt}, &out, &err), 1);
        QVERIFY2(err.find("image_id 7") != std::string::npos, err.c_str());
        QVERIFY(out.empty());
    }

    void malformedAndIncompleteDetections() {
        std::string out, err;
        const std::string broken =
            file("broken.json", "[{\"image_id\": 1,\n \"bbox\": [1, 2, 3, 4] \"score\": 1}]");
        QCOMPARE(run({"--annotations", m_gt, "--detections", broken}, &out, &err), 1);
        QVERIFY2(err.find("broken.json:2:") != std::string::npos &&
                     err.find("malformed JSON") != std::string::npos,
                 err.c_str());
        const std::string incomplete = file(
            "incomplete.json", R"([{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3], "score": 1},
                                                                  {"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}])");
        QCOMPARE(run({"--annotations", m_gt, "--detections", incomplete}, &out, &err), 1);
        QVERIFY2(
            err.find("detection [0]") != std::string::npos && err.find("bbox") != std::string::npos,
            err.c_str());
        QVERIFY2(err.find("detection [1]") != std::string::npos &&
                     err.find("score") != std::string::npos,
                 err.c_str());
        const std::string notArray = file("object.json", R"({"image_id": 1})");
        QCOMPARE(run({"--annotations", m_gt, "--detections", notArray}, &out, &err), 1);
        QVERIFY2(err.find("not an array of detections") != std::string::npos, err.c_str());
        const std::string badGt = file("badgt.json", "{\"images\": [");
        QCOMPARE(run({"--annotations", badGt, "--detections", m_dt}, &out, &err), 1);
        QVERIFY2(err.find("badgt.json:1:") != std::string::npos, err.c_str());
        QCOMPARE(run({"--annotations", m_tmp.filePath("missing.json").toStdString(), "--detections",
                      m_dt},
                     &out, &err),
                 1);
        QVERIFY2(err.find("missing.json") != std::string::npos, err.c_str());
    }

    void emptyDetectionsScoreZero() {
        const std::string empty = file("empty.json", "[]");
        std::string out, err;
        QCOMPARE(run({"--annotations", m_gt, "--detections", empty, "--json"}, &out, &err), 0);
        QCOMPARE(nlohmann::json::parse(out)["stats"][0].get<double>(), 0.0);
        QVERIFY2(err.find("holds no detections") != std::string::npos, err.c_str());
    }

    void usageErrors() {
        std::string out, err;
        QCOMPARE(run({}, &out, &err), 2);
        QVERIFY2(err.find("--annotations: is missing") != std::string::npos, err.c_str());
        QCOMPARE(
            run({"--annotations", m_gt, "--detections", m_dt, "--max-dets", "1,10"}, &out, &err),
            2);
        QCOMPARE(run({"--annotations", m_gt, "--detections", m_dt, "extra"}, &out, &err), 2);
        QCOMPARE(run({"--help"}, &out, &err), 0);
        QVERIFY(out.find("Usage: rfdetr-train evaluate") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TstEvaluateCli)
#include "tst_evaluate_cli.moc"
