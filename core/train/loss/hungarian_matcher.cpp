#include "train/loss/hungarian_matcher.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard: ATen.h no longer brings it in 2.x

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>

#include "base/util/thread_pool.h"
#include "train/loss/fused_match_cost.h"
#include "train/loss/lsap.h"
#include "train/loss/match_inputs.h"

namespace studio::train {

using detail::checkOutput;
using detail::emptyIndices;
using detail::failureText;
using detail::hostTargets;
using detail::HostTargets;
using detail::Shape;

namespace detail {
// Per-thread buffers of the solving stage.
struct MatcherScratch {
    LsapSolver solver;
    LsapResult result;
    std::vector<float> block;        // fused-kernel output when a block is solved transposed
    std::vector<double> transposed;  // queries x targets, when an image has >= Q targets
    FusedScratch fused;
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;  // (query, target) by query
    std::vector<LsapRowMin> rowMins;  // per target row of a fused block: the solver's shortcut
};
}  // namespace detail

namespace {

using detail::MatcherScratch;

// Pairs from a solve of the targets x queries orientation (rows are targets), sorted by query.
bool pairsFromTargetRows(MatcherScratch& s, LsapStatus status, std::int64_t queryOffset) {
    if (!s.result.finiteInput)
        return false;
    // All-finite blocks always have an assignment.
    if (status != LsapStatus::Ok)
        throw MatchingError(std::string("matcher: ") + lsapStatusText(status));
    s.pairs.clear();
    for (std::size_t i = 0; i < s.result.rowInd.size(); ++i)
        s.pairs.emplace_back(s.result.colInd[i] + queryOffset, s.result.rowInd[i]);
    std::sort(s.pairs.begin(), s.pairs.end());
    return true;
}

// Solves one block (n targets x q queries, row stride `stride`) the way scipy solves the [q, n]
// matrix: transposed (= this layout) when n < q, as is otherwise. Fills s.pairs with (query +
// queryOffset, target) by ascending query. Returns false, leaving the pairs empty, when the block
// has a non-finite entry.
template <class T>
bool solveBlock(MatcherScratch& s, const T* block, int n, int q, std::ptrdiff_t stride,
                std::int64_t queryOffset) {
    s.pairs.clear();
    if (n < q)
        return pairsFromTargetRows(s, s.solver.solve(block, n, q, stride, s.result), queryOffset);
    s.transposed.resize(static_cast<std::size_t>(q) * n);
    for (int t = 0; t < n; ++t)
        for (int i = 0; i < q; ++i)
            s.transposed[static_cast<std::size_t>(i) * n + t] =
                static_cast<double>(block[t * stride + i]);
    const LsapStatus status = s.solver.solve(s.transposed.data(), q, n, n, s.result);
    if (!s.result.finiteInput)
        return false;
    if (status != LsapStatus::Ok)
        throw MatchingError(std::string("matcher: ") + lsapStatusText(status));
    for (std::size_t i = 0; i < s.result.rowInd.size(); ++i)
        s.pairs.emplace_back(s.result.rowInd[i] + queryOffset, s.result.colInd[i]);
    return true;
}

}  // namespace

std::pair<at::Tensor, at::Tensor> MatchIndices::image(int b) const {
    std::int64_t start = 0;
    for (int i = 0; i < b; ++i)
        start += perImage[i];
    return {queryIdx.narrow(0, start, perImage[b]), targetIdx.narrow(0, start, perImage[b])};
}

HungarianMatcher::HungarianMatcher(MatcherOptions options)
    : m_options(options), m_pool(std::make_unique<ThreadPool>(options.threads)) {
    for (int i = 0; i < m_pool->size(); ++i)
        m_scratch.push_back(std::make_unique<MatcherScratch>());
}

HungarianMatcher::~HungarianMatcher() = default;

int HungarianMatcher::threads() const {
    return m_pool->size();
}

std::vector<MatchIndices> HungarianMatcher::match(const ModelOutput& output,
                                                  const std::vector<ImageTargets>& targets) {
    std::vector<const DetectionOutput*> sets{&output.final};
    for (const auto& a : output.aux)
        sets.push_back(&a);
    if (output.enc)
        sets.push_back(&*output.enc);
    return match(sets, targets, output.groups);
}

std::vector<MatchIndices> HungarianMatcher::match(
    const std::vector<const DetectionOutput*>& outputs, const std::vector<ImageTargets>& targets,
    int groups) {
    if (outputs.empty())
        return {};
    const int numOutputs = static_cast<int>(outputs.size());
    const Shape shape = checkOutput(*outputs[0], targets.size(), groups, "0");
    for (int o = 1; o < numOutputs; ++o) {
        const Shape s = checkOutput(*outputs[o], targets.size(), groups, std::to_string(o));
        if (s.queries != shape.queries || s.classes != shape.classes)
            throw std::invalid_argument("matcher: output " + std::to_string(o) +
                                        " differs in queries or classes from output 0");
    }
    const HostTargets tg = hostTargets(targets, shape.classes);
    const int batch = static_cast<int>(shape.batch), q = static_cast<int>(shape.perGroup);
    const int nq = static_cast<int>(shape.queries), k = static_cast<int>(shape.classes);

    // Output layout: per output, images in order; within an image groups in order, min(Q, n_b)
    // pairs each.
    std::vector<std::int64_t> imageOffset(batch + 1, 0);
    for (int b = 0; b < batch; ++b)
        imageOffset[b + 1] = imageOffset[b] + std::int64_t{std::min(q, tg.counts[b])} * groups;
    std::vector<MatchIndices> results;
    for (int o = 0; o < numOutputs; ++o) {
        results.push_back(emptyIndices(imageOffset[batch]));
        for (int b = 0; b < batch; ++b)
            results.back().perImage.push_back(imageOffset[b + 1] - imageOffset[b]);
    }
    struct Problem {
        int output, image, group;
    };
    std::vector<Problem> problems;
    for (int o = 0; o < numOutputs; ++o)
        for (int b = 0; b < batch; ++b)
            for (int g = 0; g < groups; ++g)
                if (tg.counts[b] > 0)
                    problems.push_back({o, b, g});
    if (problems.empty())
        return results;
    if (m_options.costPath == MatchCostPath::Reference) {
        for (int o = 0; o < numOutputs; ++o) {
            try {
                results[o] = matchReference(*outputs[o], targets, groups, m_options.weights);
            } catch (const MatchingError& e) {
                throw MatchingError(std::string(e.what()) + " (output " + std::to_string(o) + ")");
            }
        }
        return results;
    }

    bool fused = m_options.costPath == MatchCostPath::Fused;
    if (m_options.costPath == MatchCostPath::Auto) {
        fused = true;
        for (const auto* out : outputs)
            fused = fused && out->logits.device().is_cpu() && out->boxes.device().is_cpu() &&
                    out->logits.scalar_type() == at::kFloat &&
                    out->boxes.scalar_type() == at::kFloat;
    }

    // Cost source: host float32 arrays, either predictions for the fused kernel or the batched cost
    // tensor.
    std::vector<at::Tensor> hostLogits, hostBoxes;
    std::vector<FusedTargets> fusedTargets;
    // Tensor path: [O, sum n_b, G, Q], the real target rows of every image (no padding), each block
    // targets x queries (the solver's layout); row t of image b starts at targetRow[b] + t.
    at::Tensor hostCost;
    const int tmax = std::max(tg.maxCount, 1);
    std::vector<std::int64_t> targetRow(batch + 1, 0);
    for (int b = 0; b < batch; ++b)
        targetRow[b + 1] = targetRow[b] + tg.counts[b];
    if (fused) {
        for (const auto* out : outputs) {
            hostLogits.push_back(out->logits.detach().to(at::kCPU, at::kFloat).contiguous());
            hostBoxes.push_back(out->boxes.detach().to(at::kCPU, at::kFloat).contiguous());
        }
        for (int b = 0; b < batch; ++b)
            fusedTargets.emplace_back(tg.boxes[b].data_ptr<float>(),
                                      tg.labels[b].data_ptr<std::int64_t>(), tg.counts[b]);
    } else {
        at::NoGradGuard noGrad;
        std::vector<at::Tensor> logits, boxes;
        for (const auto* out : outputs) {
            logits.push_back(out->logits.detach());
            boxes.push_back(out->boxes.detach());
        }
        auto padBoxes = at::zeros({batch, tmax, 4}, at::kFloat);
        auto padLabels = at::zeros({batch, tmax}, at::kLong);
        padBoxes.narrow(2, 2, 2).fill_(0.1);  // padded columns: a harmless finite box, never read
        for (int b = 0; b < batch; ++b) {
            padBoxes[b].narrow(0, 0, tg.counts[b]).copy_(tg.boxes[b]);
            padLabels[b].narrow(0, 0, tg.counts[b]).copy_(tg.labels[b]);
        }
        std::vector<std::int64_t> valid;  // rows (b * tmax + t) of real targets
        for (int b = 0; b < batch; ++b)
            for (int t = 0; t < tg.counts[b]; ++t)
                valid.push_back(std::int64_t{b} * tmax + t);
        const auto dev = outputs[0]->logits.device();
        const auto cost = batchedMatchCost(at::stack(logits), at::stack(boxes).to(dev),
                                           padLabels.to(dev), padBoxes.to(dev), m_options.weights)
                              .view({numOutputs, batch, groups, q, tmax})
                              .permute({0, 1, 4, 2, 3})
                              .reshape({numOutputs, std::int64_t{batch} * tmax, groups, q})
                              .index_select(1, at::tensor(valid, at::kLong).to(dev));
        hostCost = cost.to(at::kCPU).contiguous();  // the one device->host copy of the step
    }

    // Raw pointers into the result tensors (data_ptr checks its tensor on every call).
    struct Dest {
        std::int64_t *image, *query, *target;
    };
    std::vector<Dest> dest;
    for (auto& r : results)
        dest.push_back({r.imageIdx.data_ptr<std::int64_t>(), r.queryIdx.data_ptr<std::int64_t>(),
                        r.targetIdx.data_ptr<std::int64_t>()});

    // Outputs with non-finite costs take the reference path, which applies the reference's
    // replacement rule.
    std::unique_ptr<std::atomic<bool>[]> nonFinite(new std::atomic<bool>[numOutputs]);
    for (int o = 0; o < numOutputs; ++o)
        nonFinite[o] = false;
    m_pool->parallelFor(problems.size(), [&](std::size_t index, int slot) {
        const Problem& p = problems[index];
        MatcherScratch& s = *m_scratch[slot];
        const int n = tg.counts[p.image];
        const std::int64_t queryOffset = std::int64_t{p.group} * q;
        bool finite;
        if (fused) {
            // The kernel writes the block (n targets x q queries) straight into the solver's
            // working matrix when the solver takes it untransposed (n < q, the usual).
            const std::int64_t row0 = std::int64_t{p.image} * nq + queryOffset;
            const float* logits = hostLogits[p.output].data_ptr<float>() + row0 * k;
            const float* boxes = hostBoxes[p.output].data_ptr<float>() + row0 * 4;
            if (n < q) {
                float* work = s.solver.prepare(n, q);
                s.rowMins.resize(n);
                LsapRowMin* rowMins = m_options.rowMinShortcut ? s.rowMins.data() : nullptr;
                fusedCostBlock(logits, boxes, q, k, fusedTargets[p.image], m_options.weights, work,
                               LsapSolver::workStride(q), s.fused, rowMins);
                finite = pairsFromTargetRows(s, s.solver.solvePrepared(s.result, rowMins),
                                             queryOffset);
            } else {
                const int stride = fusedRowStride(q);
                s.block.resize(static_cast<std::size_t>(n) * stride);
                fusedCostBlock(logits, boxes, q, k, fusedTargets[p.image], m_options.weights,
                               s.block.data(), stride, s.fused);
                finite = solveBlock(s, s.block.data(), n, q, stride, queryOffset);
            }
        } else {
            // Tensor path: rows of image b's targets, group g, in the host copy [O, sum n, G, Q].
            const float* block =
                hostCost.data_ptr<float>() +
                ((std::int64_t{p.output} * targetRow[batch] + targetRow[p.image]) * groups +
                 p.group) *
                    q;
            finite = solveBlock(s, block, n, q, std::int64_t{groups} * q, queryOffset);
        }
        if (!finite) {
            nonFinite[p.output] = true;
            return;
        }
        const std::int64_t offset = imageOffset[p.image] + std::int64_t{p.group} * std::min(q, n);
        const Dest& d = dest[p.output];
        for (std::size_t i = 0; i < s.pairs.size(); ++i) {
            d.image[offset + i] = p.image;
            d.query[offset + i] = s.pairs[i].first;
            d.target[offset + i] = s.pairs[i].second;
        }
    });

    for (int o = 0; o < numOutputs; ++o) {
        if (!nonFinite[o])
            continue;
        try {
            results[o] = matchReference(*outputs[o], targets, groups, m_options.weights);
        } catch (const MatchingError& e) {
            throw MatchingError(std::string(e.what()) + " (output " + std::to_string(o) + ")");
        }
    }
    return results;
}

}  // namespace studio::train
