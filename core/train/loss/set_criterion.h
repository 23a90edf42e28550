#pragma once
// The RF-DETR training criterion (rfdetr SetCriterion with ia_bce_loss, rfdetr-spec.md §5):
// Hungarian matching of every output set (final layer, each aux layer, the two-stage encoder
// output), then per set the IoU-aware BCE classification loss, L1 and GIoU box losses, all
// normalised by num_boxes = (targets in the batch) x groups (all-reduced across ranks through a
// hook), plus the logging-only class_error and cardinality_error. Every term is a 0-dim tensor on
// the model's device: nothing here synchronises with the device except the matcher's single
// cost-matrix copy. Dtype-aware as the reference under CUDA bf16 autocast: sigmoid / logsigmoid in
// the logits' dtype, powers, weights and sums in float32.
#include <functional>
#include <string>
#include <vector>

#include <ATen/Tensor.h>

#include "train/loss/hungarian_matcher.h"
#include "train/model/outputs.h"

namespace studio::train {

struct CriterionOptions {
    double classWeight = 1.0;  // weight of loss_ce* (cls_loss_coef)
    double bboxWeight = 5.0;   // weight of loss_bbox* (bbox_loss_coef)
    double giouWeight = 2.0;   // weight of loss_giou* (giou_loss_coef)
    double focalAlpha = 0.25;  // IA-BCE target exponent (focal_alpha)
    double focalGamma = 2.0;   // IA-BCE negative weight exponent (hard-coded 2 in the reference)
    MatcherOptions matcher;    // matching cost weights 2 / 5 / 2, solver threads
};

/// Local box count (targets x groups on this rank) -> the normaliser before clamping: the engine
/// passes sum over ranks / world size (the reference all-reduces and divides). Called once per
/// criterion call.
using BoxCountReducer = std::function<double(double localBoxes)>;

/// The loss dict of one criterion call, in the reference's key order.
struct LossResult {
    std::vector<std::string>
        names;  // loss_ce, class_error, loss_bbox, loss_giou, cardinality_error, ..._0, ..._enc
    std::vector<at::Tensor>
        values;  // 0-dim tensors on the model's device (loss terms carry gradients)
    std::vector<double> weights;  // weight of each term in the total; 0 for logging-only terms
    at::Tensor total;             // sum of value * weight over weighted terms, in key order
    double numBoxes = 1;          // the normaliser used (after the reducer and the clamp at 1)

    /// The term called `name`; throws std::out_of_range naming it when absent.
    const at::Tensor& value(const std::string& name) const;
    /// Every term, detached, stacked into one float32 tensor [names.size()] on the device: one copy
    /// to the host fetches them all when the engine decides to log.
    at::Tensor packed() const;
};

class SetCriterion {
  public:
    explicit SetCriterion(CriterionOptions options = {}, BoxCountReducer reducer = {});

    /// Installs the hook that turns the local box count into the global average (multi-rank
    /// training).
    void setBoxCountReducer(BoxCountReducer reducer) { m_reducer = std::move(reducer); }

    /// Matches and computes every loss of `output` (groups taken from output.groups: 13 in
    /// training, 1 in eval) against per-image targets (CPU tensors preferred; they are copied to
    /// the device once). Throws what the matcher throws (std::invalid_argument, MatchingError). One
    /// thread at a time.
    LossResult operator()(const ModelOutput& output, const std::vector<ImageTargets>& targets);

    /// Same with matches computed elsewhere: one MatchIndices per set (final, aux..., enc), as
    /// HungarianMatcher::match(output, targets) returns them.
    LossResult compute(const ModelOutput& output, const std::vector<ImageTargets>& targets,
                       const std::vector<MatchIndices>& matches) const;

    HungarianMatcher& matcher() { return m_matcher; }
    const CriterionOptions& options() const { return m_options; }

  private:
    CriterionOptions m_options;
    BoxCountReducer m_reducer;
    HungarianMatcher m_matcher;
};

}  // namespace studio::train
