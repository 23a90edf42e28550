// pycocotools' accumulate() for one category: precision at the 101 recall points and the final
// recall, per IoU threshold, area range and maxDets.
#include <algorithm>
#include <limits>
#include <numeric>

#include "base/eval/eval_internal.h"
#include "base/eval/numpy_compat.h"

namespace studio::eval_detail {

void accumulateClass(const ClassDets& dets, std::size_t k, EvalResult& r) {
    const std::size_t T = r.numT(), R = r.numR(), M = r.numM(), n = dets.score.size();
    // np.argsort(-dtScores, kind='mergesort') over the concatenation: the order of a maxDets subset
    // is this order filtered, so one sort serves every maxDets.
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return npcompat::scoreBefore(dets.score[a], dets.score[b]);
    });
    const double eps = std::numeric_limits<double>::epsilon();  // np.spacing(1)
    std::vector<double> rc, pr;
    std::vector<std::size_t> kept;
    for (std::size_t a = 0; a < kAreas; ++a) {
        const std::uint64_t npig = dets.groundTruth[a];
        if (npig == 0)
            continue;  // precision and recall stay -1
        for (std::size_t m = 0; m < M; ++m) {
            const auto maxDet = static_cast<std::uint32_t>(r.maxDets[m]);
            kept.clear();
            for (std::size_t i : order)
                if (dets.rank[i] < maxDet)
                    kept.push_back(i);
            const std::size_t nd = kept.size();
            for (std::size_t t = 0; t < T; ++t) {
                rc.resize(nd);
                pr.resize(nd);
                double tp = 0, fp = 0;
                for (std::size_t j = 0; j < nd; ++j) {
                    const std::uint8_t f = dets.flags[(kept[j] * kAreas + a) * T + t];
                    if (!(f & kIgnored)) {
                        if (f & kMatched)
                            tp += 1;
                        else
                            fp += 1;
                    }
                    rc[j] = tp / static_cast<double>(npig);
                    pr[j] = tp / (fp + tp + eps);
                }
                r.recall[((t * r.numK() + k) * kAreas + a) * M + m] = nd ? rc[nd - 1] : 0.0;
                for (std::size_t j = nd; j-- > 1;)
                    if (pr[j] > pr[j - 1])
                        pr[j - 1] = pr[j];
                // q[ri] = pr[searchsorted(rc, recThrs[ri], 'left')], 0 past the end of the curve.
                std::size_t j = 0;
                for (std::size_t ri = 0; ri < R; ++ri) {
                    const double thr = r.recallThresholds[ri];
                    while (j < nd && rc[j] < thr)
                        ++j;
                    r.precision[(((t * R + ri) * r.numK() + k) * kAreas + a) * M + m] =
                        j < nd ? pr[j] : 0.0;
                }
            }
        }
    }
}

}  // namespace studio::eval_detail
