#pragma once
// The per-epoch validation pass (rfdetr-spec.md §8.3): the model in eval mode (one query group) over the
// valid split, the criterion for validation losses, post-processing to detections and the COCO bbox
// evaluation with maxDets [1, 10, 500]. The trainer calls it for the regular and the EMA weights.
#include <array>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio::train {

class RFDetrImpl;
class SetCriterion;

struct EvalOutcome {
    std::array<double, 12> stats{};         // COCO stats as fractions (AP, AP50, AP75, APs/m/l, AR1/10/500, ARs/m/l)
    std::vector<double> losses;             // raw loss terms averaged over batches (LossLayout order)
    std::vector<std::string> lossNames;     // names of `losses`
    std::vector<double> lossWeights;        // weights of `losses`
    nlohmann::json resultsJson;             // rfdetr's results_json: class_map rows, map, precision, recall, f1
    std::map<std::string, double> perClassMap;  // class name -> AP@[.5:.95]
    long long images = 0;
    double seconds = 0;

    double map5095() const { return stats[0]; }
    double map50() const { return stats[1]; }
};

class Validator {
public:
    virtual ~Validator() = default;
    /// Evaluates `model` (the caller puts it in eval mode: one query group) on the split, without gradients.
    /// Throws on model or data errors. Training thread; every rank evaluates its shard.
    virtual EvalOutcome evaluate(RFDetrImpl& model, SetCriterion& criterion) = 0;
    /// The split evaluated ("valid").
    virtual std::string splitName() const = 0;
};

}  // namespace studio::train
