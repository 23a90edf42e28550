// The evaluator against numbers produced by cocoapi's own cocoeval.py (and rfdetr's extended
// metrics) on generated cases: exact-threshold IoUs, area-range edges, score ties, crowds,
// annotation id 0, repeated ids, more detections than maxDets, rfdetr's maxDets [1, 10, 500]. See
// tests/data/coco_eval/README.md.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/coco/coco_index.h"
#include "base/eval/coco_evaluator.h"
#include "base/eval/evaluate_cli.h"
#include "base/eval/extended_metrics.h"
#include "base/eval/numpy_compat.h"
#include "coco_test_files.h"

using namespace studio;
using nlohmann::json;

class TstCocoEvalGolden : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    json m_cases;

    static void near(double a, double b, double tol, const std::string& what) {
        QVERIFY2(
            std::fabs(a - b) <= tol,
            (what + ": got " + std::to_string(a) + ", pycocotools " + std::to_string(b)).c_str());
    }

  private slots:
    void initTestCase() {
        std::ifstream f(std::string(STUDIO_TEST_DATA_DIR) + "/coco_eval/cases.json");
        QVERIFY(f.good());
        m_cases = json::parse(f)["cases"];
        QVERIFY(m_cases.size() >= 10);
    }

    void matchesPycocotools_data() {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < m_cases.size(); ++i)
            QTest::newRow(m_cases[i]["name"].get<std::string>().c_str()) << static_cast<int>(i);
    }
    void matchesPycocotools() {
        QFETCH(int, index);
        const json& c = m_cases[static_cast<std::size_t>(index)];
        const std::string gtPath = m_tmp.filePath(QString("gt%1.json").arg(index)).toStdString();
        coco_test::writeText(gtPath, c["gt"].dump());
        std::vector<Problem> problems;
        const CocoIndex gt = CocoIndex::load(gtPath, &problems);
        QVERIFY(gt.numImages() > 0);
        std::vector<Detection> dets;
        for (const json& d : c["detections"]) {
            const auto& b = d["bbox"];
            dets.push_back({d["image_id"].get<std::int64_t>(), d["category_id"].get<std::int64_t>(),
                            b[0].get<double>(), b[1].get<double>(), b[2].get<double>(),
                            b[3].get<double>(), d["score"].get<double>()});
        }
        EvalParams params;
        params.maxDets = c["max_dets"].get<std::vector<int>>();
        const EvalResult r = CocoEvaluator(gt).evaluate(dets, params);
        const json& e = c["expected"];
        for (std::size_t i = 0; i < 12; ++i)
            near(r.stats[i], e["stats"][i].get<double>(), 1e-12,
                 "stats[" + std::to_string(i) + "]");
        for (std::size_t k = 0; k < r.numK(); ++k)
            near(r.perClassAP[k], e["per_class"][std::to_string(r.categoryIds[k])].get<double>(),
                 1e-12, "per-class AP of category " + std::to_string(r.categoryIds[k]));
        const auto& recall = e["recall"];
        QCOMPARE(recall.size(), r.recall.size());
        for (std::size_t i = 0; i < r.recall.size(); ++i)
            near(r.recall[i], recall[i].get<double>(), 1e-12, "recall[" + std::to_string(i) + "]");
        const auto& digest = e["precision_digest"];
        std::size_t n = 0;
        for (std::size_t k = 0; k < r.numK(); ++k)
            for (std::size_t a = 0; a < r.numA(); ++a)
                for (std::size_t m = 0; m < r.numM(); ++m, ++n) {
                    std::vector<double> slice;
                    for (std::size_t t = 0; t < r.numT(); ++t)
                        for (std::size_t ri = 0; ri < r.numR(); ++ri)
                            slice.push_back(r.precisionAt(t, ri, k, a, m));
                    near(npcompat::mean(slice), digest[n].get<double>(), 1e-9,
                         "precision digest " + std::to_string(n));
                }
        // rfdetr's results.json metrics.
        const json ext = extendedMetricsToJson(computeExtendedMetrics(r, gt.categories()));
        const json& ee = e["extended"];
        QCOMPARE(ext["class_map"].size(), ee["class_map"].size());
        for (std::size_t i = 0; i < ee["class_map"].size(); ++i) {
            QCOMPARE(ext["class_map"][i]["class"].get<std::string>(),
                     ee["class_map"][i]["class"].get<std::string>());
            for (const char* key : {"map@50:95", "map@50", "precision", "recall", "f1_score"})
                near(ext["class_map"][i][key].get<double>(), ee["class_map"][i][key].get<double>(),
                     1e-12,
                     std::string("extended ") + key + " of " +
                         ee["class_map"][i]["class"].get<std::string>());
        }
        for (const char* key : {"map", "precision", "recall", "f1_score"})
            near(ext[key].get<double>(), ee[key].get<double>(), 1e-12,
                 std::string("extended ") + key);
        // The same through `rfdetr-train evaluate --json`, from files, as users (and checkers) run
        // it.
        const std::string dtPath = m_tmp.filePath(QString("dt%1.json").arg(index)).toStdString();
        coco_test::writeText(dtPath, c["detections"].dump());
        std::string maxDets;
        for (int m : params.maxDets)
            maxDets += (maxDets.empty() ? "" : ",") + std::to_string(m);
        std::ostringstream out, err;
        QCOMPARE(runEvaluateCli({"--annotations", gtPath, "--detections", dtPath, "--json",
                                 "--max-dets", maxDets},
                                out, err),
                 0);
        const json cli = json::parse(out.str());
        for (std::size_t i = 0; i < 12; ++i)
            near(cli["stats"][i].get<double>(), e["stats"][i].get<double>(), 1e-12,
                 "CLI stats[" + std::to_string(i) + "]");
        QCOMPARE(cli["per_class"].size(), e["per_class"].size());
        for (auto it = e["per_class"].begin(); it != e["per_class"].end(); ++it)
            near(cli["per_class"][it.key()].get<double>(), it.value().get<double>(), 1e-12,
                 "CLI per_class " + it.key());
        // The printed summary, line for line (pycocotools prints it only for the standard maxDets).
        if (!e["summary_lines"].empty()) {
            std::string expected;
            for (const auto& l : e["summary_lines"])
                expected += l.get<std::string>() + "\n";
            QCOMPARE(r.summaryText(), expected);
        }
    }
};

QTEST_GUILESS_MAIN(TstCocoEvalGolden)
#include "tst_coco_eval_golden.moc"
