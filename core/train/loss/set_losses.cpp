#include "train/loss/set_losses.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard: ATen.h no longer brings it in 2.x

#include "train/loss/box_ops.h"

namespace studio::train {
namespace {

// float32 for reduced-precision logits (the autocast policy for pow and the weights), float64 kept.
at::ScalarType computeType(const at::Tensor& t) {
    return t.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
}

// IoU-aware BCE: positives get the soft target t = clamp(p^alpha * IoU^(1-alpha), 0.01) (detached,
// IoU on detached boxes), every other logit is a negative weighted by p^gamma (not detached, as the
// reference).
at::Tensor iaBceLoss(const at::Tensor& logits, const at::Tensor& srcBoxes,
                     const at::Tensor& tgtBoxes, const at::Tensor& posIndex, double numBoxes,
                     const SetLossOptions& o) {
    const auto type = computeType(logits);
    at::Tensor t;
    const auto prob = logits.sigmoid();  // logits' dtype (bf16 under autocast)
    {
        at::NoGradGuard noGrad;
        const auto iou =
            boxIouElementwise(boxCxcywhToXyxy(srcBoxes.detach()), boxCxcywhToXyxy(tgtBoxes));
        const auto probPos = prob.detach().reshape({-1}).index_select(0, posIndex).to(type);
        t = (probPos.pow(o.focalAlpha) * iou.to(type).pow(1 - o.focalAlpha)).clamp_min(0.01);
    }
    // pos_weights lives in the logits' dtype (zeros_like), so t is rounded to it, as in the
    // reference.
    const auto posWeights = at::zeros_like(logits)
                                .reshape({-1})
                                .index_put({posIndex}, t.to(logits.scalar_type()))
                                .view_as(logits);
    const auto negWeights =
        prob.to(type).pow(o.focalGamma).reshape({-1}).index_put({posIndex}, 1 - t).view_as(logits);
    const auto loss = negWeights * logits - at::log_sigmoid(logits) * (posWeights + negWeights);
    return loss.sum() / numBoxes;
}

// 100 - top-1 accuracy (%) of the matched logits; 100 when nothing is matched (accuracy is then 0).
at::Tensor classError(const at::Tensor& matchedLogits, const at::Tensor& labels) {
    const auto n = labels.size(0);
    if (n == 0)
        return at::full({}, 100.0, matchedLogits.options().dtype(at::kFloat));
    const auto pred = std::get<1>(matchedLogits.detach().topk(1, 1, true, true)).t();
    const auto correct =
        pred.eq(labels.view({1, -1}).expand_as(pred)).reshape({-1}).to(at::kFloat).sum(0);
    return 100 - correct.mul(100.0 / static_cast<double>(n));
}

}  // namespace

SetLosses computeSetLosses(const DetectionOutput& output, const DeviceTargets& targets,
                           const DeviceMatches& matches, double numBoxes,
                           const SetLossOptions& options) {
    const auto& logits = output.logits;
    const auto k = logits.size(2);
    const auto srcBoxes = output.boxes.reshape({-1, 4}).index_select(0, matches.flatQuery);
    const auto tgtBoxes = targets.boxes.index_select(0, matches.target);
    const auto tgtLabels = targets.labels.index_select(0, matches.target);

    SetLosses out;
    out.lossCe =
        iaBceLoss(logits, srcBoxes, tgtBoxes, matches.flatQuery * k + tgtLabels, numBoxes, options);
    if (options.classError)
        out.classError =
            classError(logits.reshape({-1, k}).index_select(0, matches.flatQuery), tgtLabels);
    out.lossBbox = (srcBoxes - tgtBoxes).abs().sum() / numBoxes;
    const auto giou =
        generalizedBoxIouElementwise(boxCxcywhToXyxy(srcBoxes), boxCxcywhToXyxy(tgtBoxes));
    out.lossGiou = (1 - giou).sum() / numBoxes;
    {
        // Legacy softmax-DETR metric: predictions whose argmax is not the last logit, against the
        // count.
        at::NoGradGuard noGrad;
        const auto cardPred = logits.detach().argmax(-1).ne(k - 1).sum(1).to(at::kFloat);
        out.cardinalityError = (cardPred - targets.counts).abs().mean();
    }
    return out;
}

}  // namespace studio::train
