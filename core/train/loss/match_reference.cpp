// The matcher's reference path: the Python algorithm restated, sequential and unoptimised.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard: ATen.h no longer brings it in 2.x

#include "train/loss/hungarian_matcher.h"
#include "train/loss/lsap.h"
#include "train/loss/match_cost.h"
#include "train/loss/match_inputs.h"

namespace studio::train {

using detail::checkOutput;
using detail::emptyIndices;
using detail::failureText;
using detail::hostTargets;
using detail::HostTargets;
using detail::Shape;

MatchIndices HungarianMatcher::matchReference(const DetectionOutput& output,
                                              const std::vector<ImageTargets>& targets, int groups,
                                              const MatchCostWeights& weights) {
    const Shape shape = checkOutput(output, targets.size(), groups, "reference");
    const HostTargets tg = hostTargets(targets, shape.classes);
    const int batch = static_cast<int>(shape.batch), q = static_cast<int>(shape.perGroup);
    const at::NoGradGuard noGrad;
    const auto dev = output.logits.device();
    const auto logits = output.logits.detach(), boxes = output.boxes.detach();

    // Each image's predictions against its own targets: [NQ, n_b] float32 on the host. These are
    // exactly the entries of the reference's [B*NQ, sum n_b] matrix that the assignment reads.
    std::vector<at::Tensor> blocks(batch);
    bool nonFinite = false;
    for (int b = 0; b < batch; ++b) {
        if (tg.counts[b] == 0)
            continue;
        blocks[b] =
            matchCostMatrix(logits[b], boxes[b], tg.labels[b].to(dev), tg.boxes[b].to(dev), weights)
                .to(at::kCPU)
                .contiguous();
        nonFinite = nonFinite || !at::isfinite(blocks[b]).all().item<bool>();
    }
    if (nonFinite) {
        // [QUIRK] non-finite entries become twice the max over the reference's whole matrix (all
        // images' predictions against all targets), non-finite entries included: a +inf anywhere
        // keeps them +inf, a NaN anywhere makes them NaN (and the assignment then fails, as scipy
        // does).
        const auto all =
            matchCostMatrix(logits.flatten(0, 1), boxes.flatten(0, 1), at::cat(tg.labels).to(dev),
                            at::cat(tg.boxes).to(dev), weights)
                .to(at::kCPU);
        const auto replacement = all.max() * 2;
        for (auto& block : blocks)
            if (block.defined())
                block.index_put_({at::isinf(block).logical_or(at::isnan(block))}, replacement);
    }

    std::vector<std::vector<std::int64_t>> qs(batch), ts(batch);
    LsapSolver solver;
    LsapResult r;
    for (int g = 0; g < groups; ++g) {
        for (int b = 0; b < batch; ++b) {
            const int n = tg.counts[b];
            if (n == 0)
                continue;
            // The group's [Q, n_b] block as float64, as numpy hands it to scipy.
            const auto part =
                blocks[b].narrow(0, std::int64_t{g} * q, q).to(at::kDouble).contiguous();
            const LsapStatus status = solver.solve(part.data_ptr<double>(), q, n, n, r);
            if (status != LsapStatus::Ok)
                throw MatchingError("matcher: " + failureText(status, b, g));
            for (std::size_t i = 0; i < r.rowInd.size(); ++i) {
                qs[b].push_back(r.rowInd[i] + std::int64_t{g} * q);
                ts[b].push_back(r.colInd[i]);
            }
        }
    }
    std::int64_t pairs = 0;
    for (const auto& v : qs)
        pairs += static_cast<std::int64_t>(v.size());
    MatchIndices m = emptyIndices(pairs);
    std::int64_t cursor = 0;
    for (int b = 0; b < batch; ++b) {
        for (std::size_t i = 0; i < qs[b].size(); ++i, ++cursor) {
            m.imageIdx.data_ptr<std::int64_t>()[cursor] = b;
            m.queryIdx.data_ptr<std::int64_t>()[cursor] = qs[b][i];
            m.targetIdx.data_ptr<std::int64_t>()[cursor] = ts[b][i];
        }
        m.perImage.push_back(static_cast<std::int64_t>(qs[b].size()));
    }
    return m;
}

}  // namespace studio::train
