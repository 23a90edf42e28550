#include "base/eval/extended_metrics.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "base/eval/numpy_compat.h"

namespace studio {

namespace {

struct SweepPoint {
    double threshold = 0, macroF1 = 0, macroPrecision = 0, macroRecall = 0;
    std::vector<double> precision, recall, f1;
};

/// np.nanmean of the entries > -1 (the rest count as NaN), NaN when there are none.
double nanmeanValid(const std::vector<double>& v) {
    std::vector<double> replaced(v.size());
    std::size_t count = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const bool valid = v[i] > -1 && !std::isnan(v[i]);
        replaced[i] = valid ? v[i] : 0.0;
        count += valid ? 1 : 0;
    }
    return count ? npcompat::sum(replaced) / static_cast<double>(count) : std::nan("");
}

/// A class's valid (not ignored) detections by descending score, with running true-positive counts,
/// so each threshold costs a binary search instead of a pass over every detection.
struct ClassCurve {
    std::vector<double> scores;     // descending, NaN left out (NaN >= t is false for every t)
    std::vector<std::uint64_t> tp;  // tp[n]: matched among the first n
    std::uint64_t groundTruth = 0;
};

ClassCurve curveOf(const ClassMatches50& c) {
    std::vector<std::pair<double, std::uint8_t>> v;
    for (std::size_t i = 0; i < c.scores.size(); ++i)
        if (!c.ignored[i] && !std::isnan(c.scores[i]))
            v.emplace_back(c.scores[i], c.matched[i]);
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    ClassCurve out;
    out.groundTruth = c.groundTruth;
    out.tp.push_back(0);
    for (const auto& [score, matched] : v) {
        out.scores.push_back(score);
        out.tp.push_back(out.tp.back() + matched);
    }
    return out;
}

SweepPoint sweepAt(const std::vector<ClassCurve>& curves, double threshold,
                   const std::vector<std::size_t>& withGt) {
    SweepPoint p;
    p.threshold = threshold;
    for (const ClassCurve& c : curves) {
        // Detections with score >= threshold: the prefix of the descending list.
        const std::size_t n = static_cast<std::size_t>(
            std::upper_bound(c.scores.begin(), c.scores.end(), threshold, std::greater<double>()) -
            c.scores.begin());
        const std::uint64_t tp = c.tp[n], fp = n - tp;
        const double fn = static_cast<double>(c.groundTruth) - static_cast<double>(tp);
        const double dtp = static_cast<double>(tp), dfp = static_cast<double>(fp);
        const double precision = tp + fp > 0 ? dtp / (dtp + dfp) : 0.0;
        const double recall = dtp + fn > 0 ? dtp / (dtp + fn) : 0.0;
        const double f1 =
            precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
        p.precision.push_back(precision);
        p.recall.push_back(recall);
        p.f1.push_back(f1);
    }
    if (!withGt.empty()) {
        std::vector<double> ps, rs, fs;
        for (std::size_t k : withGt) {
            ps.push_back(p.precision[k]);
            rs.push_back(p.recall[k]);
            fs.push_back(p.f1[k]);
        }
        p.macroPrecision = npcompat::mean(ps);
        p.macroRecall = npcompat::mean(rs);
        p.macroF1 = npcompat::mean(fs);
    }
    return p;
}

}  // namespace

ExtendedMetrics computeExtendedMetrics(const EvalResult& r,
                                       const std::vector<CocoCategory>& categories) {
    if (r.matches50.size() != r.numK() || r.numM() < 3)
        throw std::invalid_argument(
            "extended metrics need an evaluation with keepMatchesAt50 and 3 maxDets");
    std::vector<std::size_t> withGt;
    for (std::size_t k = 0; k < r.numK(); ++k)
        if (r.matches50[k].groundTruth > 0)
            withGt.push_back(k);
    std::vector<ClassCurve> curves;
    for (const ClassMatches50& c : r.matches50)
        curves.push_back(curveOf(c));
    // rfdetr: best = max(sweep, key=macro_f1): the first threshold reaching the maximum.
    SweepPoint best;
    bool first = true;
    for (double thr : npcompat::linspace(0.0, 1.0, 101)) {
        SweepPoint p = sweepAt(curves, thr, withGt);
        if (first || p.macroF1 > best.macroF1)
            best = std::move(p);
        first = false;
    }
    ExtendedMetrics out;
    const std::size_t t50 = 0, area = 0, maxDet = 2;
    for (std::size_t k = 0; k < r.numK(); ++k) {
        std::vector<double> perIou;
        for (std::size_t t = 0; t < r.numT(); ++t) {
            std::vector<double> row(r.numR());
            for (std::size_t ri = 0; ri < r.numR(); ++ri)
                row[ri] = r.precisionAt(t, ri, k, area, maxDet);
            perIou.push_back(nanmeanValid(row));
        }
        std::vector<double> row50(r.numR());
        for (std::size_t ri = 0; ri < r.numR(); ++ri)
            row50[ri] = r.precisionAt(t50, ri, k, area, maxDet);
        // np.nanmean over the per-IoU means (NaN rows left out).
        std::vector<double> iouValid;
        for (double v : perIou)
            iouValid.push_back(std::isnan(v) ? -1.0 : v);
        const double ap = nanmeanValid(iouValid), ap50 = nanmeanValid(row50);
        if (std::isnan(ap) || std::isnan(ap50) || std::isnan(best.precision[k]) ||
            std::isnan(best.recall[k]))
            continue;
        ClassMetrics c;
        c.categoryId = r.categoryIds[k];
        for (const auto& cat : categories)
            if (cat.id == c.categoryId)
                c.name = cat.name;
        c.map50_95 = ap;
        c.map50 = ap50;
        c.precision = best.precision[k];
        c.recall = best.recall[k];
        c.f1 = best.f1[k];
        out.perClass.push_back(std::move(c));
    }
    ClassMetrics all;
    all.name = "all";
    all.map50_95 = r.stats[0];
    all.map50 = r.stats[1];
    all.precision = best.macroPrecision;
    all.recall = best.macroRecall;
    all.f1 = best.macroF1;
    out.perClass.push_back(all);
    out.map = r.stats[1];
    out.precision = best.macroPrecision;
    out.recall = best.macroRecall;
    out.f1 = best.macroF1;
    out.confidenceThreshold = best.threshold;
    return out;
}

nlohmann::json extendedMetricsToJson(const ExtendedMetrics& m) {
    nlohmann::json rows = nlohmann::json::array();
    for (const ClassMetrics& c : m.perClass)
        rows.push_back({{"class", c.name},
                        {"map@50:95", c.map50_95},
                        {"map@50", c.map50},
                        {"precision", c.precision},
                        {"recall", c.recall},
                        {"f1_score", c.f1}});
    return {{"class_map", rows},
            {"map", m.map},
            {"precision", m.precision},
            {"recall", m.recall},
            {"f1_score", m.f1}};
}

}  // namespace studio
