// The COCO evaluator on cases small enough to work out by hand: perfect and partial matches, the
// precision envelope, crowd regions, maxDets, score ties, the annotation-id-0 quirk, loadRes'
// refusal of unknown images, the printed summary and rfdetr's extended metrics.
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "base/coco/coco_index.h"
#include "base/eval/coco_evaluator.h"
#include "base/eval/extended_metrics.h"
#include "base/eval/numpy_compat.h"
#include "coco_test_files.h"

using namespace studio;

class TstCocoEvaluator : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    int m_n = 0;

    /// Ground truth with images 1 and 2 (100x100) and categories 1 ("a") and 2 ("b").
    CocoIndex gt(const std::string& annotations) {
        const std::string p = m_tmp.filePath(QString("gt%1.json").arg(++m_n)).toStdString();
        coco_test::writeText(
            p, R"({"images": [{"id": 1, "file_name": "1.png", "width": 100, "height": 100},
                                               {"id": 2, "file_name": "2.png", "width": 100, "height": 100}],
                                    "categories": [{"id": 1, "name": "a", "supercategory": "s"},
                                                   {"id": 2, "name": "b", "supercategory": "s"}],
                                    "annotations": [)" +
                   annotations + "]}");
        return CocoIndex::load(p);
    }
    static std::string ann(int id, int image, int cat, double x, double y, double w, double h,
                           int crowd = 0) {
        return "{\"id\": " + std::to_string(id) + ", \"image_id\": " + std::to_string(image) +
               ", \"category_id\": " + std::to_string(cat) + ", \"bbox\": [" + std::to_string(x) +
               ", " + std::to_string(y) + ", " + std::to_string(w) + ", " + std::to_string(h) +
               "], \"area\": " + std::to_string(w * h) + ", \"iscrowd\": " + std::to_string(crowd) +
               "}";
    }
    static EvalResult eval(const CocoIndex& g, const std::vector<Detection>& d,
                           std::vector<int> maxDets = {1, 10, 100}) {
        EvalParams p;
        p.maxDets = std::move(maxDets);
        return CocoEvaluator(g).evaluate(d, p);
    }

  private slots:
    void perfectDetectionScoresOne() {
        const CocoIndex g = gt(ann(1, 1, 1, 10, 10, 50, 40));  // area 2000: medium
        const EvalResult r = eval(g, {{1, 1, 10, 10, 50, 40, 0.9}});
        QCOMPARE(r.stats[0], 1.0);
        QCOMPARE(r.stats[1], 1.0);
        QCOMPARE(r.stats[3], -1.0);  // no small objects
        QCOMPARE(r.stats[4], 1.0);
        QCOMPARE(r.stats[5], -1.0);
        QCOMPARE(r.stats[8], 1.0);
        QCOMPARE(r.perClassAP[0], 1.0);
        QCOMPARE(r.perClassAP[1], -1.0);  // category 2 has no ground truth
        QCOMPARE(r.categoryIds, (std::vector<std::int64_t>{1, 2}));
    }

    void iouSixtyMatchesThreeThresholds() {
        // Same height, width 30 of 50 overlapping: IoU = 30*40 / 50*40 = 0.6 -> matched at .50,
        // .55, .60.
        const CocoIndex g = gt(ann(1, 1, 1, 10, 10, 50, 40));
        const EvalResult r = eval(g, {{1, 1, 10, 10, 30, 40, 0.9}});
        QVERIFY(std::fabs(r.stats[0] - 0.3) < 1e-12);
        QCOMPARE(r.stats[1], 1.0);
        QCOMPARE(r.stats[2], 0.0);
        QVERIFY(std::fabs(r.stats[8] - 0.3) < 1e-12);
    }

    void precisionEnvelopeWithAFalsePositive() {
        // Two objects; detections by score: hit, miss, hit. P/R: (1, .5), (.5, .5), (2/3, 1). The
        // envelope gives precision 1 for recall <= .5 (51 points) and 2/3 above (50 points).
        const CocoIndex g = gt(ann(1, 1, 1, 0, 0, 20, 20) + "," + ann(2, 1, 1, 50, 50, 20, 20));
        const EvalResult r = eval(
            g,
            {{1, 1, 0, 0, 20, 20, 0.9}, {1, 1, 80, 0, 10, 10, 0.8}, {1, 1, 50, 50, 20, 20, 0.7}});
        const double eps = std::numeric_limits<double>::epsilon();
        const double expected = (51.0 * (1 / (1 + eps)) + 50.0 * (2 / (3 + eps))) / 101.0;
        QVERIFY2(std::fabs(r.stats[1] - expected) < 1e-15, std::to_string(r.stats[1]).c_str());
        QCOMPARE(r.recallAt(0, 0, 0, 2), 1.0);
        QCOMPARE(r.recallAt(0, 0, 0, 0), 0.5);  // maxDets 1
        QCOMPARE(r.precisionAt(0, 50, 0, 0, 2), 1 / (1 + eps));
        QCOMPARE(r.precisionAt(0, 51, 0, 0, 2), 2 / (3 + eps));
    }

    void crowdRegionsAbsorbDetections() {
        // A crowd box is an ignore region: detections inside it are neither true nor false
        // positives, and IoU with it is intersection over the detection's own area.
        const CocoIndex g = gt(ann(1, 1, 1, 0, 0, 20, 20) + "," + ann(2, 1, 1, 40, 40, 60, 60, 1));
        const EvalResult r = eval(
            g,
            {{1, 1, 0, 0, 20, 20, 0.5}, {1, 1, 50, 50, 10, 10, 0.9}, {1, 1, 60, 60, 10, 10, 0.8}});
        QCOMPARE(r.stats[1], 1.0 / (1 + std::numeric_limits<double>::epsilon()));
        QCOMPARE(r.stats[8], 1.0);
        // Only crowd boxes: nothing to find, AP undefined.
        const CocoIndex onlyCrowd = gt(ann(1, 1, 1, 40, 40, 60, 60, 1));
        QCOMPARE(eval(onlyCrowd, {{1, 1, 50, 50, 10, 10, 0.9}}).stats[0], -1.0);
    }

    void maxDetsKeepsTheBestScoresPerImage() {
        const CocoIndex g = gt(ann(1, 1, 1, 0, 0, 20, 20) + "," + ann(2, 1, 1, 50, 50, 20, 20));
        const std::vector<Detection> d = {{1, 1, 50, 50, 20, 20, 0.6}, {1, 1, 0, 0, 20, 20, 0.7}};
        const EvalResult r = eval(g, d, {1, 2, 3});
        QCOMPARE(r.stats[6], 0.5);  // AR@1: only the 0.7 detection counts
        QCOMPARE(r.stats[7], 1.0);  // AR@2
        QCOMPARE(r.maxDets, (std::vector<int>{1, 2, 3}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, eval(g, d, {1, 10}));
    }

    void scoreTiesKeepResultsFileOrder() {
        // Equal scores: the detection listed first ranks first (numpy's stable mergesort).
        const CocoIndex g = gt(ann(1, 1, 1, 0, 0, 20, 20));
        const Detection hit{1, 1, 0, 0, 20, 20, 0.5}, miss{1, 1, 60, 60, 20, 20, 0.5};
        const double eps = std::numeric_limits<double>::epsilon();
        QCOMPARE(eval(g, {hit, miss}).stats[1], 1 / (1 + eps));
        QCOMPARE(eval(g, {miss, hit}).stats[1], 1 / (2 + eps));
    }

    void annotationIdZeroCountsAsAFalsePositive() {
        // pycocotools stores the matched annotation id and treats 0 as "no match": keep that.
        const CocoIndex g = gt(ann(0, 1, 1, 0, 0, 20, 20));
        const EvalResult r = eval(g, {{1, 1, 0, 0, 20, 20, 0.9}});
        QCOMPARE(r.stats[0], 0.0);
        QCOMPARE(r.stats[8], 0.0);
    }

    void unknownImagesAreRefusedAndUnknownCategoriesIgnored() {
        const CocoIndex g = gt(ann(1, 1, 1, 0, 0, 20, 20));
        bool threw = false;
        try {
            eval(g, {{1, 1, 0, 0, 20, 20, 0.9}, {42, 1, 0, 0, 1, 1, 0.1}});
        } catch (const std::invalid_argument& e) {
            threw = true;
            QVERIFY2(QString(e.what()).contains("image_id 42"), e.what());
        }
        QVERIFY(threw);
        QCOMPARE(eval(g, {{1, 1, 0, 0, 20, 20, 0.9}, {1, 99, 0, 0, 20, 20, 1.0}}).stats[0], 1.0);
    }

    void areaRangesUseTheAnnotationAreaField() {
        // A 40x40 box (1600 px^2) whose "area" says 900 (e.g. from a mask) counts as small (<
        // 32^2).
        const std::string p = m_tmp.filePath("area.json").toStdString();
        coco_test::writeText(
            p,
            R"({"images": [{"id": 1, "file_name": "1.png"}], "categories": [{"id": 1, "name": "a", "supercategory": "s"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 40, 40], "area": 900, "iscrowd": 0}]})");
        const EvalResult r = eval(CocoIndex::load(p), {{1, 1, 0, 0, 40, 40, 0.9}});
        QCOMPARE(r.stats[3], 1.0);   // small
        QCOMPARE(r.stats[4], -1.0);  // medium: nothing (the detection, 1600 px^2, is ignored there)
    }

    void summaryTextAsPycocotoolsPrintsIt() {
        const CocoIndex g = gt(ann(1, 1, 1, 10, 10, 50, 40));
        const std::string text = eval(g, {{1, 1, 10, 10, 50, 40, 0.9}}).summaryText();
        QVERIFY2(
            text.rfind(
                " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000\n",
                0) == 0,
            text.c_str());
        QVERIFY2(text.find(" Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 "
                           "] = 1.000\n") != std::string::npos,
                 text.c_str());
        QVERIFY2(text.find(" Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 "
                           "] = -1.000\n") != std::string::npos,
                 text.c_str());
        QVERIFY2(text.find(" Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 "
                           "] = 1.000\n") != std::string::npos,
                 text.c_str());
        const std::string rf = eval(g, {{1, 1, 10, 10, 50, 40, 0.9}}, {1, 10, 500}).summaryText();
        QVERIFY2(
            rf.rfind(
                " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=500 ] = 1.000\n",
                0) == 0,
            rf.c_str());
    }

    void extendedMetricsPickTheBestMacroF1() {
        // Class a: one object, found with score 0.8 plus a miss at 0.9. Class b: one object, found
        // at 0.3. Thresholds <= 0.3: a P=1/2 R=1 F1=2/3, b P=R=F1=1 -> macro F1 5/6. Above 0.3 b
        // drops to 0 -> lower.
        const CocoIndex g = gt(ann(1, 1, 1, 0, 0, 20, 20) + "," + ann(2, 2, 2, 0, 0, 20, 20));
        const EvalResult r = eval(
            g, {{1, 1, 0, 0, 20, 20, 0.8}, {1, 1, 50, 50, 20, 20, 0.9}, {2, 2, 0, 0, 20, 20, 0.3}});
        const ExtendedMetrics m = computeExtendedMetrics(r, g.categories());
        QCOMPARE(m.perClass.size(), std::size_t(3));
        QCOMPARE(m.perClass[0].name, std::string("a"));
        QCOMPARE(m.perClass[0].precision, 0.5);
        QCOMPARE(m.perClass[0].recall, 1.0);
        QCOMPARE(m.perClass[1].f1, 1.0);
        QCOMPARE(m.f1, (2.0 / 3.0 + 1.0) / 2.0);
        QCOMPARE(m.confidenceThreshold, 0.0);  // the first threshold reaching the maximum
        QCOMPARE(m.perClass[2].name, std::string("all"));
        QCOMPARE(m.map, r.stats[1]);
        const auto j = extendedMetricsToJson(m);
        QCOMPARE(j["class_map"][0]["class"].get<std::string>(), std::string("a"));
        QVERIFY(j.contains("f1_score"));
    }

    void numpyCompatibleHelpers() {
        const auto t = npcompat::linspace(0.5, 0.95, 10);
        QCOMPARE(t[5], 0.75);  // pycocotools finds AP75 by exact equality
        QCOMPARE(t[9], 0.95);
        const auto r = npcompat::linspace(0.0, 1.0, 101);
        QCOMPARE(r[100], 1.0);
        QCOMPARE(r[1], 0.01);
        // numpy's pairwise summation, not a left-to-right loop (which gives 99.9999999999986).
        std::vector<double> v(1000, 0.1);
        QCOMPARE(npcompat::sum(v),
                 100.00000000000001);  // np.sum(np.full(1000, 0.1)) with numpy 1.24
        QVERIFY(npcompat::scoreBefore(0.9, 0.1));
        QVERIFY(!npcompat::scoreBefore(0.5, 0.5));
        QVERIFY(npcompat::scoreBefore(0.1, std::nan("")));
    }
};

QTEST_GUILESS_MAIN(TstCocoEvaluator)
#include "tst_coco_evaluator.moc"
