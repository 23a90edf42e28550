// pycocotools' computeIoU (maskApi.c bbIou) and evaluateImg (greedy matching) for one image and
// category.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/eval/eval_internal.h"

namespace studio::eval_detail {

namespace {

/// bbIou from pycocotools' maskApi.c, operation for operation (crowd: intersection over the
/// detection).
double boxIou(const DtBox& d, const CocoEvaluator::GtBox& g) {
    const double ga = g.w * g.h, da = d.w * d.h;
    const double w = std::fmin(d.w + d.x, g.w + g.x) - std::fmax(d.x, g.x);
    if (w <= 0)
        return 0;
    const double h = std::fmin(d.h + d.y, g.h + g.y) - std::fmax(d.y, g.y);
    if (h <= 0)
        return 0;
    const double i = w * h;
    const double u = g.crowd ? da : da + ga - i;
    return i / u;
}

}  // namespace

void evaluateImage(const std::vector<const CocoEvaluator::GtBox*>& gt, const std::vector<DtBox>& dt,
                   const std::vector<double>& iouThresholds, ClassDets& out) {
    const std::size_t G = gt.size(), D = dt.size(), T = iouThresholds.size();
    // ious[d][g] in the ground truth's original order (computeIoU); empty when either side is
    // empty.
    std::vector<double> ious(D * G);
    for (std::size_t d = 0; d < D; ++d)
        for (std::size_t g = 0; g < G; ++g)
            ious[d * G + g] = boxIou(dt[d], *gt[g]);

    const std::size_t base = out.score.size();
    for (std::size_t d = 0; d < D; ++d) {
        out.score.push_back(dt[d].score);
        out.rank.push_back(static_cast<std::uint32_t>(d));
    }
    out.flags.resize((base + D) * kAreas * T, 0);

    std::vector<std::size_t> order(G);
    std::vector<std::uint8_t> ignore(G), sortedIgnore(G), matched(G);
    for (std::size_t a = 0; a < kAreas; ++a) {
        const double lo = kAreaRanges[a][0], hi = kAreaRanges[a][1];
        for (std::size_t g = 0; g < G; ++g)
            ignore[g] = (gt[g]->crowd || gt[g]->area < lo || gt[g]->area > hi) ? 1 : 0;
        std::iota(order.begin(), order.end(), std::size_t(0));
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t x, std::size_t y) { return ignore[x] < ignore[y]; });
        for (std::size_t g = 0; g < G; ++g) {
            sortedIgnore[g] = ignore[order[g]];
            if (!sortedIgnore[g])
                ++out.groundTruth[a];
        }
        for (std::size_t t = 0; t < T && G > 0 && D > 0; ++t) {
            std::fill(matched.begin(), matched.end(), 0);
            for (std::size_t d = 0; d < D; ++d) {
                double iou = std::min(iouThresholds[t], 1 - 1e-10);
                std::ptrdiff_t m = -1;
                for (std::size_t g = 0; g < G; ++g) {
                    const CocoEvaluator::GtBox& box = *gt[order[g]];
                    if (matched[g] && !box.crowd)
                        continue;  // already matched, not a crowd
                    if (m > -1 && sortedIgnore[static_cast<std::size_t>(m)] == 0 &&
                        sortedIgnore[g] == 1)
                        break;
                    const double v = ious[d * G + order[g]];
                    if (v < iou)
                        continue;
                    iou = v;
                    m = static_cast<std::ptrdiff_t>(g);
                }
                if (m == -1)
                    continue;
                const std::size_t mm = static_cast<std::size_t>(m);
                std::uint8_t& f = out.flags[((base + d) * kAreas + a) * T + t];
                if (sortedIgnore[mm])
                    f |= kIgnored;
                if (gt[order[mm]]->id != 0)
                    f |= kMatched;  // dtMatches holds the id; 0 reads as "no match"
                matched[mm] = 1;
            }
        }
        // Unmatched detections (dtMatches == 0) outside the area range are ignored.
        for (std::size_t d = 0; d < D; ++d) {
            if (!(dt[d].area < lo || dt[d].area > hi))
                continue;
            for (std::size_t t = 0; t < T; ++t) {
                std::uint8_t& f = out.flags[((base + d) * kAreas + a) * T + t];
                if (!(f & kMatched))
                    f |= kIgnored;
            }
        }
    }
}

}  // namespace studio::eval_detail
