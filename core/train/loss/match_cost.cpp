#include "train/loss/match_cost.h"

#include <ATen/ATen.h>

#include "train/loss/box_ops.h"

namespace studio::train {
namespace {

// float32 for half/bfloat16/float32 inputs (the autocast policy), float64 stays float64.
at::ScalarType computeType(const at::Tensor& t) {
    return t.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
}

// Class cost on logits that were already gathered or not: elementwise, so both orders give equal
// values.
at::Tensor classCostOf(const at::Tensor& x, const MatchCostWeights& w) {
    const auto type = computeType(x);
    const auto p = x.sigmoid();  // logits' dtype
    const auto negPart =
        ((1.0 - w.focalAlpha) * p.to(type).pow(w.focalGamma)) * (-at::log_sigmoid(-x)).to(type);
    const auto posPart =
        (w.focalAlpha * (1 - p).to(type).pow(w.focalGamma)) * (-at::log_sigmoid(x)).to(type);
    return posPart - negPart;
}

}  // namespace

at::Tensor focalClassCost(const at::Tensor& logits, const MatchCostWeights& w) {
    return classCostOf(logits, w);
}

at::Tensor matchCostMatrix(const at::Tensor& logits, const at::Tensor& boxes,
                           const at::Tensor& labels, const at::Tensor& targetBoxes,
                           const MatchCostWeights& w) {
    const auto type = computeType(boxes);
    const auto tgt = targetBoxes.to(boxes.device(), type);
    const auto giou =
        generalizedBoxIouPairwise(boxCxcywhToXyxy(boxes.to(type)), boxCxcywhToXyxy(tgt));
    const auto costClass = focalClassCost(logits, w).index_select(1, labels.to(logits.device()));
    const auto costBbox = at::cdist(boxes.to(type), tgt, 1.0);
    const auto c = w.bboxWeight * costBbox + w.classWeight * costClass + w.giouWeight * (-giou);
    return c.to(at::kFloat);
}

at::Tensor batchedMatchCost(const at::Tensor& logits, const at::Tensor& boxes,
                            const at::Tensor& labels, const at::Tensor& targetBoxes,
                            const MatchCostWeights& w) {
    const auto o = logits.size(0), b = logits.size(1), nq = logits.size(2), k = logits.size(3);
    const auto t = labels.size(1);
    const auto type = computeType(boxes);
    const auto dev = logits.device();
    const auto lab = labels.to(dev).view({1, b, 1, t}).expand({o, b, nq, t});
    // Gather first when there are more classes than target slots (less work), else cost every
    // class.
    const auto costClass =
        k > t ? classCostOf(logits.gather(3, lab), w) : focalClassCost(logits, w).gather(3, lab);
    const auto pred = boxes.to(type);
    const auto tgt = targetBoxes.to(dev, type);
    const auto costBbox =
        at::cdist(pred.view({o * b, nq, 4}),
                  tgt.unsqueeze(0).expand({o, b, t, 4}).reshape({o * b, t, 4}), 1.0)
            .view({o, b, nq, t});
    const auto giou = generalizedBoxIouBroadcast(boxCxcywhToXyxy(pred).unsqueeze(3),
                                                 boxCxcywhToXyxy(tgt).view({1, b, 1, t, 4}));
    const auto c = w.bboxWeight * costBbox + w.classWeight * costClass + w.giouWeight * (-giou);
    return c.to(at::kFloat);
}

}  // namespace studio::train
