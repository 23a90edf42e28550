#pragma once
// Group-wise Hungarian matching of predictions to targets (rfdetr HungarianMatcher, rfdetr-spec.md
// §4). For every output set (final, aux layers, encoder), image b and query group g, the [Q, n_b]
// block of the cost matrix is solved as a linear sum assignment; query indices are offset by g*Q
// and, per image, the groups are concatenated in order. The fast path builds every cost block of a
// step in one go (one batched tensor computation and one device->host copy on a GPU; a fused kernel
// on the CPU) and solves all (output x image x group) problems on a thread pool. matchReference()
// is the simple, sequential re-statement of the Python code (full cross-image cost matrix, one
// problem after the other) kept as the test oracle and the benchmark baseline.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <ATen/Tensor.h>

#include "train/loss/match_cost.h"
#include "train/model/outputs.h"

namespace studio {
class ThreadPool;
}

namespace studio::train::detail {
struct MatcherScratch;
}

namespace studio::train {

/// The matched pairs of one output set, flattened over images: pair k is (imageIdx[k], queryIdx[k])
/// -> target targetIdx[k] of that image. Ordered by image, then group, then ascending query within
/// a group (the reference's order). int64 CPU tensors.
struct MatchIndices {
    at::Tensor imageIdx;   // [N]
    at::Tensor queryIdx;   // [N] in [0, NQ): global query index (group offset included)
    at::Tensor targetIdx;  // [N] index into that image's targets
    std::vector<std::int64_t> perImage;  // pairs per image: min(Q, n_b) * groups
    /// Pairs of image b as (queryIdx, targetIdx) slices, the reference's per-image tuple.
    std::pair<at::Tensor, at::Tensor> image(int b) const;
};

/// Matching cannot proceed (the reference raises ValueError in scipy): NaN costs or no feasible
/// assignment.
class MatchingError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class MatchCostPath {
    Auto,    // fused CPU kernel for float32 CPU outputs, batched tensor computation otherwise
    Tensor,  // always the batched tensor computation (+ one device->host copy)
    Fused,   // always the fused CPU kernel (outputs are copied to the host as float32 first)
    Reference,  // matchReference for every output set: sequential, the Python code's algorithm
                // (benchmark baseline; same matches, much slower)
};

struct MatcherOptions {
    MatchCostWeights weights;
    int threads = 0;  // solver threads; 0 = std::thread::hardware_concurrency()
    MatchCostPath costPath = MatchCostPath::Auto;
    /// Fused path: the cost kernel hands each target row's minimum to the solver, which then skips
    /// the first full scan of most searches (LsapRowMin). Same matches either way; off only to
    /// measure it.
    bool rowMinShortcut = true;
};

class HungarianMatcher {
  public:
    explicit HungarianMatcher(MatcherOptions options = {});
    ~HungarianMatcher();
    HungarianMatcher(const HungarianMatcher&) = delete;
    HungarianMatcher& operator=(const HungarianMatcher&) = delete;

    /// Matches every output set against the same targets in one batched pass. Outputs share B, NQ
    /// and K; NQ must be a multiple of `groups`. Result i belongs to outputs[i]. Throws
    /// std::invalid_argument on inconsistent shapes or labels outside [0, K), MatchingError when a
    /// cost block has NaN entries or no finite assignment (after the reference's inf/NaN
    /// replacement). Call from one thread at a time.
    std::vector<MatchIndices> match(const std::vector<const DetectionOutput*>& outputs,
                                    const std::vector<ImageTargets>& targets, int groups);

    /// All sets of a model output, in criterion order: final, aux 0 .. L-2, enc (when present).
    std::vector<MatchIndices> match(const ModelOutput& output,
                                    const std::vector<ImageTargets>& targets);

    /// The reference algorithm for one output set, sequential and unoptimised: cost blocks with
    /// ATen ops as the reference writes them (image by image), then Python's loop order (groups,
    /// then images), one assignment after the other. Non-finite costs get the reference's
    /// replacement (2 * max over the full [B*NQ, sum n_b] matrix, computed only then). Thread-safe.
    static MatchIndices matchReference(const DetectionOutput& output,
                                       const std::vector<ImageTargets>& targets, int groups,
                                       const MatchCostWeights& weights = {});

    const MatcherOptions& options() const { return m_options; }
    int threads() const;

  private:
    MatcherOptions m_options;
    std::unique_ptr<ThreadPool> m_pool;
    std::vector<std::unique_ptr<detail::MatcherScratch>> m_scratch;  // one per pool slot
};

}  // namespace studio::train
