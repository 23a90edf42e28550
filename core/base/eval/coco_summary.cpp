// pycocotools' summarize(): the 12 stats (with rfdetr's patch: AP uses maxDets[2], not a literal
// 100) and the lines it prints; plus the per-class AP@[.50:.95].
#include <cstdio>
#include <optional>

#include "base/eval/eval_internal.h"
#include "base/eval/numpy_compat.h"

namespace studio {

namespace {

struct StatSpec {
    bool ap;
    std::optional<double> iouThr;
    std::size_t area;
    int maxDetsIndex;
};

constexpr StatSpec kStats[12] = {
    {true, std::nullopt, 0, 2},  {true, 0.5, 0, 2},           {true, 0.75, 0, 2},
    {true, std::nullopt, 1, 2},  {true, std::nullopt, 2, 2},  {true, std::nullopt, 3, 2},
    {false, std::nullopt, 0, 0}, {false, std::nullopt, 0, 1}, {false, std::nullopt, 0, 2},
    {false, std::nullopt, 1, 2}, {false, std::nullopt, 2, 2}, {false, std::nullopt, 3, 2}};

/// _summarize(ap, iouThr, areaRng, maxDets): mean of the entries > -1 in numpy's C order, -1 if
/// none.
double summarizeOne(const EvalResult& r, const StatSpec& s) {
    const int maxDets = r.maxDets[static_cast<std::size_t>(s.maxDetsIndex)];
    std::vector<std::size_t> ts, ms;
    for (std::size_t t = 0; t < r.numT(); ++t)
        if (!s.iouThr || *s.iouThr == r.iouThresholds[t])
            ts.push_back(t);  // np.where(iouThr == p.iouThrs)
    for (std::size_t m = 0; m < r.numM(); ++m)
        if (r.maxDets[m] == maxDets)
            ms.push_back(m);
    std::vector<double> values;
    for (std::size_t t : ts) {
        if (s.ap) {
            for (std::size_t ri = 0; ri < r.numR(); ++ri)
                for (std::size_t k = 0; k < r.numK(); ++k)
                    for (std::size_t m : ms)
                        if (const double v = r.precisionAt(t, ri, k, s.area, m); v > -1)
                            values.push_back(v);
        } else {
            for (std::size_t k = 0; k < r.numK(); ++k)
                for (std::size_t m : ms)
                    if (const double v = r.recallAt(t, k, s.area, m); v > -1)
                        values.push_back(v);
        }
    }
    return values.empty() ? -1.0 : npcompat::mean(values);
}

}  // namespace

std::string EvalResult::summaryText() const {
    std::string out;
    char line[160];
    for (const StatSpec& s : kStats) {
        const std::size_t statIndex = static_cast<std::size_t>(&s - kStats);
        char iou[32];
        if (s.iouThr)
            std::snprintf(iou, sizeof iou, "%0.2f", *s.iouThr);
        else
            std::snprintf(iou, sizeof iou, "%0.2f:%0.2f", iouThresholds.front(),
                          iouThresholds.back());
        std::snprintf(line, sizeof line,
                      " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f\n",
                      s.ap ? "Average Precision" : "Average Recall", s.ap ? "(AP)" : "(AR)", iou,
                      kAreaLabels[s.area], maxDets[static_cast<std::size_t>(s.maxDetsIndex)],
                      stats[statIndex]);
        out += line;
    }
    return out;
}

namespace eval_detail {

void summarize(EvalResult& r) {
    for (std::size_t i = 0; i < 12; ++i)
        r.stats[i] = summarizeOne(r, kStats[i]);
    r.perClassAP.assign(r.numK(), -1.0);
    const std::size_t last = 2;  // maxDets[2], as stats[0] and rfdetr's per-class table
    for (std::size_t k = 0; k < r.numK(); ++k) {
        std::vector<double> values;
        for (std::size_t t = 0; t < r.numT(); ++t)
            for (std::size_t ri = 0; ri < r.numR(); ++ri)
                if (const double v = r.precisionAt(t, ri, k, 0, last); v > -1)
                    values.push_back(v);
        if (!values.empty())
            r.perClassAP[k] = npcompat::mean(values);
    }
}

}  // namespace eval_detail

}  // namespace studio
