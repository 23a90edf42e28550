#include "train/loss/match_inputs.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <stdexcept>

namespace studio::train::detail {

HostTargets hostTargets(const std::vector<ImageTargets>& targets, std::int64_t numClasses) {
    HostTargets h;
    for (std::size_t b = 0; b < targets.size(); ++b) {
        const auto& t = targets[b];
        const std::string where = "targets of image " + std::to_string(b);
        if (!t.boxes.defined() || !t.labels.defined())
            throw std::invalid_argument(where +
                                        ": boxes and labels must both be set (empty [0, 4] / [0] "
                                        "tensors for an image without objects)");
        if (t.boxes.dim() != 2 || t.boxes.size(1) != 4 || t.labels.dim() != 1 ||
            t.labels.size(0) != t.boxes.size(0))
            throw std::invalid_argument(
                where + ": expected boxes [n, 4] and labels [n], got boxes " +
                std::to_string(t.boxes.dim()) + "-d and labels " + std::to_string(t.labels.dim()) +
                "-d with different counts");
        auto boxes = t.boxes.to(at::kCPU, at::kFloat).contiguous();
        auto labels = t.labels.to(at::kCPU, at::kLong).contiguous();
        const int n = static_cast<int>(labels.size(0));
        const auto* l = labels.data_ptr<std::int64_t>();
        for (int i = 0; i < n; ++i) {
            if (l[i] < 0 || l[i] >= numClasses)
                throw std::invalid_argument(where + ": label " + std::to_string(l[i]) + " of box " +
                                            std::to_string(i) + " is outside the model's " +
                                            std::to_string(numClasses) +
                                            " logits; check the class ids of "
                                            "the dataset against the model's class count");
        }
        h.boxes.push_back(boxes);
        h.labels.push_back(labels);
        h.counts.push_back(n);
        h.maxCount = std::max(h.maxCount, n);
        h.total += n;
    }
    return h;
}

Shape checkOutput(const DetectionOutput& out, std::size_t numTargets, int groups,
                  const std::string& name) {
    if (!out.logits.defined() || !out.boxes.defined() || out.logits.dim() != 3 ||
        out.boxes.dim() != 3 || out.boxes.size(2) != 4 || out.logits.size(0) != out.boxes.size(0) ||
        out.logits.size(1) != out.boxes.size(1))
        throw std::invalid_argument("matcher: output '" + name +
                                    "' must have logits [B, NQ, K] and boxes [B, NQ, 4]");
    Shape s{out.logits.size(0), out.logits.size(1), out.logits.size(2), 0};
    if (groups < 1 || s.queries % groups != 0)
        throw std::invalid_argument("matcher: output '" + name + "' has " +
                                    std::to_string(s.queries) + " queries, not a multiple of the " +
                                    std::to_string(groups) + " groups");
    if (static_cast<std::size_t>(s.batch) != numTargets)
        throw std::invalid_argument("matcher: output '" + name + "' has batch " +
                                    std::to_string(s.batch) + " but " + std::to_string(numTargets) +
                                    " target lists were given");
    s.perGroup = s.queries / groups;
    return s;
}

std::string failureText(LsapStatus status, int image, int group) {
    return "image " + std::to_string(image) + ", group " + std::to_string(group) +
           ": the cost matrix is " + lsapStatusText(status) +
           ". The model produced non-finite boxes or logits (training diverged): lower the "
           "learning rate, "
           "keep gradient clipping on, or resume from the last good checkpoint";
}

MatchIndices emptyIndices(std::int64_t pairs) {
    MatchIndices m;
    m.imageIdx = at::empty({pairs}, at::kLong);
    m.queryIdx = at::empty({pairs}, at::kLong);
    m.targetIdx = at::empty({pairs}, at::kLong);
    return m;
}

}  // namespace studio::train::detail
