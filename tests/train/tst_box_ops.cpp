// Box ops against rfdetr's box_ops (box_ops_cases.json): float32 to 1e-6, float64 to 1e-12, NaN
// where the reference gives NaN; pairwise vs element-wise consistency. ATen before Qt: Qt's `slots`
// macro breaks ATen's ivalue headers.
#include <ATen/ATen.h>

#include <QtTest>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "train/loss/box_ops.h"

using namespace studio::train;
using nlohmann::json;

namespace {
json loadCases() {
    std::ifstream in(STUDIO_TEST_DATA_DIR "/rfdetr/box_ops_cases.json");
    return json::parse(in);
}
at::Tensor boxTensor(const json& list, at::ScalarType type) {
    std::vector<double> v;
    for (const auto& x : list) {
        if (x.is_array()) {
            for (const auto& y : x)
                v.push_back(y.get<double>());
        } else {
            v.push_back(x.get<double>());
        }
    }
    return at::tensor(v, at::kDouble).to(type).reshape({-1, 4});
}
// NaN-aware comparison.
bool near(double got, const json& want, double tol) {
    if (want.is_null())
        return std::isnan(got);
    return std::abs(got - want.get<double>()) <= tol;
}
}  // namespace

class TstBoxOps : public QObject {
    Q_OBJECT
    json m_cases = loadCases();
  private slots:
    void pairsFloat32AndFloat64() {
        const auto& pairs = m_cases.at("pairs");
        QCOMPARE(static_cast<int>(pairs.size()), 50);
        int nanCases = 0;
        for (const auto& p : pairs) {
            const std::string kind = p.at("kind");
            for (auto type : {at::kFloat, at::kDouble}) {
                const bool f32 = type == at::kFloat;
                const double tol = f32 ? 1e-6 : 1e-12;
                const auto a = boxTensor(p.at("box1_xyxy"), type),
                           b = boxTensor(p.at("box2_xyxy"), type);
                const auto giou = generalizedBoxIouPairwise(a, b);
                const auto [iou, uni] = boxIouPairwise(a, b);
                QCOMPARE(giou.sizes().vec(), (std::vector<int64_t>{1, 1}));
                QCOMPARE(giou.scalar_type(), type);
                const double g = giou.item<double>(), i = iou.item<double>();
                QVERIFY2(near(g, p.at(f32 ? "giou_f32" : "giou_f64"), tol),
                         (kind + " giou").c_str());
                QVERIFY2(near(i, p.at(f32 ? "iou_f32" : "iou_f64"), tol), (kind + " iou").c_str());
                if (f32)
                    QVERIFY2(near(uni.item<double>(), p.at("union_f32"), 1e-6),
                             (kind + " union").c_str());
                QCOMPARE(std::isnan(g), p.at("is_nan").get<bool>());
            }
            nanCases += p.at("is_nan").get<bool>() ? 1 : 0;
        }
        QCOMPARE(nanCases, 2);  // identical zero-area line and identical points
    }

    void matrixCase() {
        const auto& m = m_cases.at("matrix");
        const auto a = boxTensor(m.at("boxes1_xyxy"), at::kFloat);
        const auto b = boxTensor(m.at("boxes2_xyxy"), at::kFloat);
        const auto g = generalizedBoxIouPairwise(a, b);
        QCOMPARE(g.sizes().vec(), (std::vector<int64_t>{6, 4}));
        const auto& want = m.at("giou_f32");
        for (int r = 0; r < 6; ++r)
            for (int c = 0; c < 4; ++c)
                QVERIFY(near(g[r][c].item<double>(), want.at(r).at(c), 1e-6));
    }

    void cxcywhToXyxy() {
        const auto& cases = m_cases.at("cxcywh_to_xyxy");
        QCOMPARE(static_cast<int>(cases.size()), 8);
        bool sawNegative = false;
        for (const auto& c : cases) {
            const auto in = boxTensor(c.at("cxcywh"), at::kFloat);
            sawNegative |= in[0][2].item<float>() < 0 || in[0][3].item<float>() < 0;
            const auto out = boxCxcywhToXyxy(in);
            const auto want = c.at("xyxy_f32").get<std::vector<double>>();
            for (int k = 0; k < 4; ++k)
                QVERIFY(std::abs(out[0][k].item<double>() - want[k]) <= 1e-6);
        }
        QVERIFY(sawNegative);  // the clamp is exercised
    }

    void elementwiseEqualsDiagonalOfPairwise() {
        at::manual_seed(5);
        const auto a = boxCxcywhToXyxy(at::rand({37, 4}) * 0.6 + 0.1);
        const auto b = boxCxcywhToXyxy(at::rand({37, 4}) * 0.6 + 0.1);
        QVERIFY(at::equal(generalizedBoxIouElementwise(a, b),
                          generalizedBoxIouPairwise(a, b).diagonal()));
        QVERIFY(at::equal(boxIouElementwise(a, b), boxIouPairwise(a, b).first.diagonal()));
        // Broadcasting over leading dimensions gives the same numbers as the 2-d pairwise form.
        const auto batched =
            generalizedBoxIouBroadcast(a.view({1, 37, 1, 4}), b.view({1, 1, 37, 4}));
        QVERIFY(at::equal(batched.squeeze(0), generalizedBoxIouPairwise(a, b)));
    }

    void giouIsDifferentiableAndBounded() {
        at::manual_seed(6);
        auto p = (at::rand({20, 4}) * 0.5 + 0.2).set_requires_grad(true);
        const auto t = boxCxcywhToXyxy(at::rand({20, 4}) * 0.5 + 0.2);
        const auto g = generalizedBoxIouElementwise(boxCxcywhToXyxy(p), t);
        QVERIFY(g.min().item<float>() >= -1.0f && g.max().item<float>() <= 1.0f);
        (1 - g).sum().backward();
        QVERIFY(p.grad().defined());
        QVERIFY(p.grad().abs().sum().item<float>() > 0);
        QVERIFY(at::isfinite(p.grad()).all().item<bool>());
    }

    void rejectsWrongShapes() {
        bool threw = false;
        try {
            boxCxcywhToXyxy(at::zeros({3, 5}));
        } catch (const std::invalid_argument& e) {
            threw = std::string(e.what()).find("[..., 4]") != std::string::npos;
        }
        QVERIFY(threw);
    }
};

QTEST_GUILESS_MAIN(TstBoxOps)
#include "tst_box_ops.moc"
