#include "train/loss/set_criterion.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <stdexcept>

#include "train/loss/set_losses.h"

namespace studio::train {
namespace {

std::vector<const DetectionOutput*> outputSets(const ModelOutput& output) {
    std::vector<const DetectionOutput*> sets{&output.final};
    for (const auto& a : output.aux)
        sets.push_back(&a);
    if (output.enc)
        sets.push_back(&*output.enc);
    return sets;
}

std::string suffix(std::size_t set, const ModelOutput& output) {
    if (set == 0)
        return "";
    if (set <= output.aux.size())
        return "_" + std::to_string(set - 1);
    return "_enc";
}

// Targets concatenated and moved to the device in one go, with per-image offsets for the match
// indices.
DeviceTargets deviceTargets(const std::vector<ImageTargets>& targets, const at::Device& device,
                            std::vector<std::int64_t>& offsets) {
    std::vector<at::Tensor> boxes, labels;
    std::vector<float> counts;
    offsets.assign(1, 0);
    for (const auto& t : targets) {
        boxes.push_back(t.boxes.to(at::kCPU, at::kFloat).reshape({-1, 4}));
        labels.push_back(t.labels.to(at::kCPU, at::kLong).reshape({-1}));
        counts.push_back(static_cast<float>(labels.back().size(0)));
        offsets.push_back(offsets.back() + labels.back().size(0));
    }
    DeviceTargets d;
    d.boxes = (boxes.empty() ? at::empty({0, 4}, at::kFloat) : at::cat(boxes)).to(device);
    d.labels = (labels.empty() ? at::empty({0}, at::kLong) : at::cat(labels)).to(device);
    d.counts = at::tensor(counts, at::kFloat).to(device);
    return d;
}

}  // namespace

const at::Tensor& LossResult::value(const std::string& name) const {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end())
        throw std::out_of_range("loss result has no term '" + name + "'");
    return values[static_cast<std::size_t>(it - names.begin())];
}

at::Tensor LossResult::packed() const {
    std::vector<at::Tensor> parts;
    for (const auto& v : values)
        parts.push_back(v.detach().to(at::kFloat).reshape({1}));
    return at::cat(parts);
}

SetCriterion::SetCriterion(CriterionOptions options, BoxCountReducer reducer)
    : m_options(options), m_reducer(std::move(reducer)), m_matcher(options.matcher) {}

LossResult SetCriterion::operator()(const ModelOutput& output,
                                    const std::vector<ImageTargets>& targets) {
    return compute(output, targets, m_matcher.match(output, targets));
}

LossResult SetCriterion::compute(const ModelOutput& output,
                                 const std::vector<ImageTargets>& targets,
                                 const std::vector<MatchIndices>& matches) const {
    const auto sets = outputSets(output);
    if (matches.size() != sets.size())
        throw std::invalid_argument("criterion: " + std::to_string(matches.size()) +
                                    " match lists for " + std::to_string(sets.size()) +
                                    " output sets");
    const auto device = output.final.logits.device();
    const auto nq = output.final.logits.size(1);

    // Normaliser: targets x groups (sum_group_losses=False), averaged over ranks by the hook, at
    // least 1.
    double localBoxes = 0;
    for (const auto& t : targets)
        localBoxes += static_cast<double>(t.labels.numel());
    localBoxes *= output.groups;
    const double numBoxes = std::max(1.0, m_reducer ? m_reducer(localBoxes) : localBoxes);

    std::vector<std::int64_t> offsets;
    const DeviceTargets tg = deviceTargets(targets, device, offsets);
    // All sets' pair indices in one host tensor and one copy to the device: rows (flat query,
    // target).
    std::vector<at::Tensor> flat, tgt;
    for (const auto& m : matches) {
        const auto imageOffsets = at::tensor(offsets, at::kLong).index_select(0, m.imageIdx);
        flat.push_back(m.imageIdx * nq + m.queryIdx);
        tgt.push_back(imageOffsets + m.targetIdx);
    }
    const auto packedIdx = at::stack({at::cat(flat), at::cat(tgt)}).to(device);

    SetLossOptions setOptions;
    setOptions.focalAlpha = m_options.focalAlpha;
    setOptions.focalGamma = m_options.focalGamma;
    LossResult result;
    result.numBoxes = numBoxes;
    std::int64_t cursor = 0;
    for (std::size_t s = 0; s < sets.size(); ++s) {
        const auto n = matches[s].queryIdx.size(0);
        const DeviceMatches dm{packedIdx[0].narrow(0, cursor, n),
                               packedIdx[1].narrow(0, cursor, n)};
        cursor += n;
        setOptions.classError = s == 0;
        const SetLosses l = computeSetLosses(*sets[s], tg, dm, numBoxes, setOptions);
        const std::string sfx = suffix(s, output);
        auto add = [&](const std::string& name, const at::Tensor& v, double weight) {
            result.names.push_back(name + sfx);
            result.values.push_back(v);
            result.weights.push_back(weight);
        };
        add("loss_ce", l.lossCe, m_options.classWeight);
        if (s == 0)
            add("class_error", l.classError, 0);
        add("loss_bbox", l.lossBbox, m_options.bboxWeight);
        add("loss_giou", l.lossGiou, m_options.giouWeight);
        add("cardinality_error", l.cardinalityError, 0);
    }
    for (std::size_t i = 0; i < result.values.size(); ++i) {
        if (result.weights[i] == 0)
            continue;
        const auto term = result.values[i] * result.weights[i];
        result.total = result.total.defined() ? result.total + term : term;
    }
    return result;
}

}  // namespace studio::train
