#pragma once
// The real validation pass (rfdetr's engine.evaluate, rfdetr-spec.md §8.3): eval-mode forward over the
// split (CUDA autocast as in training), the criterion for validation losses, PostProcess with num_select
// detections per image in original-image pixels, detections of every rank gathered, and COCO bbox
// evaluation with maxDets [1, 10, 500] plus rfdetr's extended per-class metrics for results.json.
#include <memory>
#include <vector>

#include <c10/core/Device.h>

#include "base/eval/coco_eval_types.h"
#include "train/engine/batch_source.h"
#include "train/engine/validator.h"
#include "train/model/postprocess.h"

namespace studio {
class CocoEvaluator;
}

namespace studio::train {

class DistContext;

struct CocoValidatorOptions {
    int numSelect = 300;                 // detections per image (rfdetr's num_select)
    std::vector<int> maxDets{1, 10, 500};
    c10::Device device{c10::kCPU};
    bool autocast = false;
    c10::ScalarType autocastDtype = c10::ScalarType::BFloat16;
};

class CocoValidator : public Validator {
public:
    /// `source` yields the split's batches; its ground truth feeds the evaluator (copied once here).
    CocoValidator(std::unique_ptr<EvalBatchSource> source, std::shared_ptr<DistContext> dist,
                  CocoValidatorOptions options);
    ~CocoValidator() override;

    EvalOutcome evaluate(RFDetrImpl& model, SetCriterion& criterion) override;
    std::string splitName() const override;

private:
    std::unique_ptr<EvalBatchSource> m_source;
    std::shared_ptr<DistContext> m_dist;
    CocoValidatorOptions m_options;
    std::unique_ptr<CocoEvaluator> m_evaluator;
};

/// COCO results of image `row` of `post`: category = the logit column (rfdetr's convention), bbox as
/// [x, y, w, h] in pixels. Tensors may live on any device (copied once).
std::vector<studio::Detection> cocoDetections(const PostProcessed& post, const std::vector<std::int64_t>& imageIds);

/// Byte form of detections for gathering across ranks, and back.
std::string packDetections(const std::vector<studio::Detection>& d);
std::vector<studio::Detection> unpackDetections(const std::string& bytes);

}  // namespace studio::train
