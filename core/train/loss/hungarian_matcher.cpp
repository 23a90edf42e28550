#include "train/loss/hungarian_matcher.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>

#include "base/util/thread_pool.h"
#include "train/loss/fused_match_cost.h"
#include "train/loss/lsap.h"

namespace studio::train {

struct HungarianMatcher::Scratch {
    LsapSolver solver;
    LsapResult result;
    std::vector<float> block;       // fused-kernel output, targets x queries
    std::vector<float> transposed;  // queries x targets, when an image has at least as many targets as Q
    FusedScratch fused;
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
};

namespace {

// Targets as contiguous CPU float32 boxes / int64 labels, validated once per call.
struct HostTargets {
    std::vector<at::Tensor> boxes, labels;
    std::vector<int> counts;
    int maxCount = 0;
    std::int64_t total = 0;
};

HostTargets hostTargets(const std::vector<ImageTargets>& targets, std::int64_t numClasses) {
    HostTargets h;
    for (std::size_t b = 0; b < targets.size(); ++b) {
        const auto& t = targets[b];
        const std::string where = "targets of image " + std::to_string(b);
        if (!t.boxes.defined() || !t.labels.defined())
            throw std::invalid_argument(where + ": boxes and labels must both be set (empty [0, 4] / [0] "
                                                "tensors for an image without objects)");
        if (t.boxes.dim() != 2 || t.boxes.size(1) != 4 || t.labels.dim() != 1 ||
            t.labels.size(0) != t.boxes.size(0))
            throw std::invalid_argument(where + ": expected boxes [n, 4] and labels [n], got boxes " +
                                        std::to_string(t.boxes.dim()) + "-d and labels " +
                                        std::to_string(t.labels.dim()) + "-d with different counts");
        auto boxes = t.boxes.to(at::kCPU, at::kFloat).contiguous();
        auto labels = t.labels.to(at::kCPU, at::kLong).contiguous();
        const int n = static_cast<int>(labels.size(0));
        const auto* l = labels.data_ptr<std::int64_t>();
        for (int i = 0; i < n; ++i) {
            if (l[i] < 0 || l[i] >= numClasses)
                throw std::invalid_argument(where + ": label " + std::to_string(l[i]) + " of box " +
                                            std::to_string(i) + " is outside the model's " +
                                            std::to_string(numClasses) + " logits; check the class ids of "
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

struct Shape {
    std::int64_t batch = 0, queries = 0, classes = 0, perGroup = 0;
};

Shape checkOutput(const DetectionOutput& out, std::size_t numTargets, int groups, const std::string& name) {
    if (!out.logits.defined() || !out.boxes.defined() || out.logits.dim() != 3 || out.boxes.dim() != 3 ||
        out.boxes.size(2) != 4 || out.logits.size(0) != out.boxes.size(0) ||
        out.logits.size(1) != out.boxes.size(1))
        throw std::invalid_argument("matcher: output '" + name +
                                    "' must have logits [B, NQ, K] and boxes [B, NQ, 4]");
    Shape s{out.logits.size(0), out.logits.size(1), out.logits.size(2), 0};
    if (groups < 1 || s.queries % groups != 0)
        throw std::invalid_argument("matcher: output '" + name + "' has " + std::to_string(s.queries) +
                                    " queries, not a multiple of the " + std::to_string(groups) + " groups");
    if (static_cast<std::size_t>(s.batch) != numTargets)
        throw std::invalid_argument("matcher: output '" + name + "' has batch " + std::to_string(s.batch) +
                                    " but " + std::to_string(numTargets) + " target lists were given");
    s.perGroup = s.queries / groups;
    return s;
}

std::string failureText(LsapStatus status, int image, int group) {
    return "image " + std::to_string(image) + ", group " + std::to_string(group) + ": the cost matrix is " +
           lsapStatusText(status) +
           ". The model produced non-finite boxes or logits (training diverged): lower the learning rate, "
           "keep gradient clipping on, or resume from the last good checkpoint";
}

MatchIndices emptyIndices(std::int64_t pairs) {
    MatchIndices m;
    m.imageIdx = at::empty({pairs}, at::kLong);
    m.queryIdx = at::empty({pairs}, at::kLong);
    m.targetIdx = at::empty({pairs}, at::kLong);
    return m;
}

}  // namespace

// Solves one block (n targets x q queries, row stride `stride`) the way scipy solves the [q, n] matrix:
// transposed (= this layout) when n < q, as is otherwise. Fills s.pairs with (query + queryOffset, target)
// by ascending query. Returns false, leaving the pairs empty, when the block has a non-finite entry.
bool HungarianMatcher::solveBlock(Scratch& s, const float* block, int n, int q, std::ptrdiff_t stride,
                                  std::int64_t queryOffset) {
    s.pairs.clear();
    LsapStatus status;
    if (n < q) {
        status = s.solver.solve(block, n, q, stride, s.result);
        if (!s.result.finiteInput) return false;
        for (std::size_t i = 0; i < s.result.rowInd.size(); ++i)
            s.pairs.emplace_back(s.result.colInd[i] + queryOffset, s.result.rowInd[i]);
        std::sort(s.pairs.begin(), s.pairs.end());
    } else {
        s.transposed.resize(static_cast<std::size_t>(q) * n);
        for (int t = 0; t < n; ++t)
            for (int i = 0; i < q; ++i) s.transposed[static_cast<std::size_t>(i) * n + t] = block[t * stride + i];
        status = s.solver.solve(s.transposed.data(), q, n, n, s.result);
        if (!s.result.finiteInput) return false;
        for (std::size_t i = 0; i < s.result.rowInd.size(); ++i)
            s.pairs.emplace_back(s.result.rowInd[i] + queryOffset, s.result.colInd[i]);
    }
    // All-finite blocks always have an assignment.
    if (status != LsapStatus::Ok) throw MatchingError(std::string("matcher: ") + lsapStatusText(status));
    return true;
}

std::pair<at::Tensor, at::Tensor> MatchIndices::image(int b) const {
    std::int64_t start = 0;
    for (int i = 0; i < b; ++i) start += perImage[i];
    return {queryIdx.narrow(0, start, perImage[b]), targetIdx.narrow(0, start, perImage[b])};
}

HungarianMatcher::HungarianMatcher(MatcherOptions options)
    : m_options(options), m_pool(std::make_unique<ThreadPool>(options.threads)) {
    for (int i = 0; i < m_pool->size(); ++i) m_scratch.push_back(std::make_unique<Scratch>());
}

HungarianMatcher::~HungarianMatcher() = default;

int HungarianMatcher::threads() const { return m_pool->size(); }

std::vector<MatchIndices> HungarianMatcher::match(const ModelOutput& output,
                                                  const std::vector<ImageTargets>& targets) {
    std::vector<const DetectionOutput*> sets{&output.final};
    for (const auto& a : output.aux) sets.push_back(&a);
    if (output.enc) sets.push_back(&*output.enc);
    return match(sets, targets, output.groups);
}

std::vector<MatchIndices> HungarianMatcher::match(const std::vector<const DetectionOutput*>& outputs,
                                                  const std::vector<ImageTargets>& targets, int groups) {
    if (outputs.empty()) return {};
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

    // Output layout: per output, images in order; within an image groups in order, min(Q, n_b) pairs each.
    std::vector<std::int64_t> imageOffset(batch + 1, 0);
    for (int b = 0; b < batch; ++b)
        imageOffset[b + 1] = imageOffset[b] + std::int64_t{std::min(q, tg.counts[b])} * groups;
    std::vector<MatchIndices> results;
    for (int o = 0; o < numOutputs; ++o) {
        results.push_back(emptyIndices(imageOffset[batch]));
        for (int b = 0; b < batch; ++b) results.back().perImage.push_back(imageOffset[b + 1] - imageOffset[b]);
    }
    struct Problem {
        int output, image, group;
    };
    std::vector<Problem> problems;
    for (int o = 0; o < numOutputs; ++o)
        for (int b = 0; b < batch; ++b)
            for (int g = 0; g < groups; ++g)
                if (tg.counts[b] > 0) problems.push_back({o, b, g});
    if (problems.empty()) return results;

    bool fused = m_options.costPath == MatchCostPath::Fused;
    if (m_options.costPath == MatchCostPath::Auto) {
        fused = true;
        for (const auto* out : outputs)
            fused = fused && out->logits.device().is_cpu() && out->boxes.device().is_cpu() &&
                    out->logits.scalar_type() == at::kFloat && out->boxes.scalar_type() == at::kFloat;
    }

    // Cost source: host float32 arrays, either predictions for the fused kernel or the batched cost tensor.
    std::vector<at::Tensor> hostLogits, hostBoxes;
    std::vector<FusedTargets> fusedTargets;
    at::Tensor hostCost;  // [O, B, G, T, Q]: each block targets x queries, the solver's layout
    const int tmax = std::max(tg.maxCount, 1);
    if (fused) {
        for (const auto* out : outputs) {
            hostLogits.push_back(out->logits.detach().to(at::kCPU, at::kFloat).contiguous());
            hostBoxes.push_back(out->boxes.detach().to(at::kCPU, at::kFloat).contiguous());
        }
        for (int b = 0; b < batch; ++b)
            fusedTargets.emplace_back(tg.boxes[b].data_ptr<float>(), tg.labels[b].data_ptr<std::int64_t>(),
                                      tg.counts[b]);
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
        const auto dev = outputs[0]->logits.device();
        const auto cost = batchedMatchCost(at::stack(logits), at::stack(boxes).to(dev),
                                           padLabels.to(dev), padBoxes.to(dev), m_options.weights)
                              .view({numOutputs, batch, groups, q, tmax})
                              .transpose(3, 4)
                              .contiguous();
        hostCost = cost.to(at::kCPU);  // the one device->host copy of the step
    }

    // Outputs with non-finite costs take the reference path, which applies the reference's replacement rule.
    std::unique_ptr<std::atomic<bool>[]> nonFinite(new std::atomic<bool>[numOutputs]);
    for (int o = 0; o < numOutputs; ++o) nonFinite[o] = false;
    m_pool->parallelFor(problems.size(), [&](std::size_t index, int slot) {
        const Problem& p = problems[index];
        Scratch& s = *m_scratch[slot];
        const int n = tg.counts[p.image];
        // The block: n targets x q queries with row stride `stride`.
        const float* block;
        std::ptrdiff_t stride;
        if (fused) {
            const std::int64_t row0 = std::int64_t{p.image} * nq + std::int64_t{p.group} * q;
            stride = fusedRowStride(q);
            s.block.resize(static_cast<std::size_t>(n) * stride);
            fusedCostBlock(hostLogits[p.output].data_ptr<float>() + row0 * k,
                           hostBoxes[p.output].data_ptr<float>() + row0 * 4, q, k, fusedTargets[p.image],
                           m_options.weights, s.block.data(), s.fused);
            block = s.block.data();
        } else {
            stride = q;
            block = hostCost.data_ptr<float>() +
                    ((std::int64_t{p.output} * batch + p.image) * groups + p.group) * tmax * q;
        }
        const std::int64_t offset = imageOffset[p.image] + std::int64_t{p.group} * std::min(q, n);
        if (!solveBlock(s, block, n, q, stride, std::int64_t{p.group} * q)) {
            nonFinite[p.output] = true;
            return;
        }
        MatchIndices& m = results[p.output];
        for (std::size_t i = 0; i < s.pairs.size(); ++i) {
            m.imageIdx.data_ptr<std::int64_t>()[offset + i] = p.image;
            m.queryIdx.data_ptr<std::int64_t>()[offset + i] = s.pairs[i].first;
            m.targetIdx.data_ptr<std::int64_t>()[offset + i] = s.pairs[i].second;
        }
    });

    for (int o = 0; o < numOutputs; ++o) {
        if (!nonFinite[o]) continue;
        try {
            results[o] = matchReference(*outputs[o], targets, groups, m_options.weights);
        } catch (const MatchingError& e) {
            throw MatchingError(std::string(e.what()) + " (output " + std::to_string(o) + ")");
        }
    }
    return results;
}

MatchIndices HungarianMatcher::matchReference(const DetectionOutput& output,
                                              const std::vector<ImageTargets>& targets, int groups,
                                              const MatchCostWeights& weights) {
    const Shape shape = checkOutput(output, targets.size(), groups, "reference");
    const HostTargets tg = hostTargets(targets, shape.classes);
    const int batch = static_cast<int>(shape.batch), q = static_cast<int>(shape.perGroup);
    const at::NoGradGuard noGrad;
    const auto dev = output.logits.device();
    const auto logits = output.logits.detach(), boxes = output.boxes.detach();

    // Each image's predictions against its own targets: [NQ, n_b] float32 on the host. These are exactly
    // the entries of the reference's [B*NQ, sum n_b] matrix that the assignment reads.
    std::vector<at::Tensor> blocks(batch);
    bool nonFinite = false;
    for (int b = 0; b < batch; ++b) {
        if (tg.counts[b] == 0) continue;
        blocks[b] = matchCostMatrix(logits[b], boxes[b], tg.labels[b].to(dev), tg.boxes[b].to(dev), weights)
                        .to(at::kCPU)
                        .contiguous();
        nonFinite = nonFinite || !at::isfinite(blocks[b]).all().item<bool>();
    }
    if (nonFinite) {
        // [QUIRK] non-finite entries become twice the max over the reference's whole matrix (all images'
        // predictions against all targets), non-finite entries included: a +inf anywhere keeps them +inf,
        // a NaN anywhere makes them NaN (and the assignment then fails, as scipy does).
        const auto all = matchCostMatrix(logits.flatten(0, 1), boxes.flatten(0, 1), at::cat(tg.labels).to(dev),
                                         at::cat(tg.boxes).to(dev), weights)
                             .to(at::kCPU);
        const auto replacement = all.max() * 2;
        for (auto& block : blocks)
            if (block.defined()) block.index_put_({at::isinf(block).logical_or(at::isnan(block))}, replacement);
    }

    std::vector<std::vector<std::int64_t>> qs(batch), ts(batch);
    LsapSolver solver;
    LsapResult r;
    for (int g = 0; g < groups; ++g) {
        for (int b = 0; b < batch; ++b) {
            const int n = tg.counts[b];
            if (n == 0) continue;
            // The group's [Q, n_b] block as float64, as numpy hands it to scipy.
            const auto part = blocks[b].narrow(0, std::int64_t{g} * q, q).to(at::kDouble).contiguous();
            const LsapStatus status = solver.solve(part.data_ptr<double>(), q, n, n, r);
            if (status != LsapStatus::Ok) throw MatchingError("matcher: " + failureText(status, b, g));
            for (std::size_t i = 0; i < r.rowInd.size(); ++i) {
                qs[b].push_back(r.rowInd[i] + std::int64_t{g} * q);
                ts[b].push_back(r.colInd[i]);
            }
        }
    }
    std::int64_t pairs = 0;
    for (const auto& v : qs) pairs += static_cast<std::int64_t>(v.size());
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
