#pragma once
// Hungarian-matching cost (rfdetr models/matcher.py, rfdetr-spec.md §4):
//   C = wBbox * L1(box, tgt) + wClass * focalClassCost(logit[label]) + wGiou * (-GIoU(xyxy(box),
//   xyxy(tgt)))
// with the class cost alpha (1-p)^gamma (-log p) - (1-alpha) p^gamma (-log(1-p)), p =
// sigmoid(logit), written with logsigmoid. Dtype policy as the reference under autocast:
// sigmoid/logsigmoid in the logits' dtype (bf16 under autocast), powers and everything after in
// float32; the result is float32.
#include <ATen/Tensor.h>

namespace studio::train {

struct MatchCostWeights {
    double classWeight = 2.0;  // set_cost_class
    double bboxWeight = 5.0;   // set_cost_bbox
    double giouWeight = 2.0;   // set_cost_giou
    double focalAlpha = 0.25;  // hard-coded in the reference matcher
    double focalGamma = 2.0;
};

/// Class cost for every logit: logits [..., K] -> [..., K] in float32 (float64 for float64 logits).
at::Tensor focalClassCost(const at::Tensor& logits, const MatchCostWeights& w);

/// The reference's cost matrix over all predictions and all targets: logits [N, K], boxes [N, 4]
/// (cxcywh), labels [T] int64, targetBoxes [T, 4] -> [N, T] float32, on the predictions' device
/// (torch.cdist for L1).
at::Tensor matchCostMatrix(const at::Tensor& logits, const at::Tensor& boxes,
                           const at::Tensor& labels, const at::Tensor& targetBoxes,
                           const MatchCostWeights& w);

/// Per-image cost blocks for several outputs at once: logits [O, B, NQ, K], boxes [O, B, NQ, 4],
/// padded targets labels [B, T] int64 and boxes [B, T, 4] -> [O, B, NQ, T] float32 on the
/// predictions' device. Entry (o, b, q, t) equals matchCostMatrix's entry for prediction (b, q) and
/// image b's target t; padded columns hold finite garbage. One batched computation, no host
/// synchronisation.
at::Tensor batchedMatchCost(const at::Tensor& logits, const at::Tensor& boxes,
                            const at::Tensor& labels, const at::Tensor& targetBoxes,
                            const MatchCostWeights& w);

}  // namespace studio::train
