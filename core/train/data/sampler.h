#pragma once
// Which images each rank loads, batch by batch (rfdetr-spec.md §6.9), as pure functions of
// (seed, epoch, rank): every rank computes the same shuffled order and takes its shard, so no
// communication is needed and a resumed run continues with exactly the same batches.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/config/run_config.h"

namespace studio::train {

struct TrainSamplerOptions {
    std::size_t datasetSize = 0;
    int batchSize = 1;          // images per batch on this rank (rfdetr: batch_size x grad_accum_steps)
    int rank = 0;
    int worldSize = 1;
    std::uint64_t seed = 42;
    int minBatchesPerEpoch = kMinStepsPerEpoch;  // rfdetr's min_batches for tiny datasets
};

/// Training order. Normal datasets: torch's DistributedSampler(shuffle=True) semantics — one
/// permutation per epoch shared by all ranks, padded by repetition to a multiple of the world size,
/// rank r takes positions r, r+W, ...; then BatchSampler(drop_last=True).
/// Tiny datasets (fewer than minBatchesPerEpoch x batchSize x worldSize images; rfdetr's rule for one
/// process, extended so every rank still gets its steps): each rank draws minBatchesPerEpoch batches
/// with replacement (rfdetr's RandomSampler(replacement=True)).
class TrainSampler {
public:
    /// Throws std::invalid_argument for an empty dataset or bad batch/rank/world values.
    explicit TrainSampler(const TrainSamplerOptions& options);

    bool withReplacement() const { return m_tiny; }
    long long batchesPerEpoch() const { return m_batches; }
    int batchSize() const { return m_options.batchSize; }
    const TrainSamplerOptions& options() const { return m_options; }

    /// This rank's sample indices for `epoch`, batchesPerEpoch() x batchSize() of them (batch k is the
    /// slice [k*B, (k+1)*B)). Any thread.
    std::vector<std::size_t> epochIndices(int epoch) const;

private:
    TrainSamplerOptions m_options;
    bool m_tiny = false;
    long long m_batches = 0;
};

/// Evaluation order: sequential, sharded like DistributedSampler(shuffle=False): rank r takes
/// r, r+W, ... of the images, the list padded (by repeating the first images) to a multiple of W so every
/// rank runs the same number of batches; nothing is dropped (the last batch may be smaller). Duplicates
/// only occur when the size is not a multiple of W (results are merged by image id, as rfdetr does).
class EvalSampler {
public:
    EvalSampler(std::size_t datasetSize, int batchSize, int rank = 0, int worldSize = 1);
    long long batchesPerEpoch() const;
    int batchSize() const { return m_batchSize; }
    /// This rank's indices in order.
    const std::vector<std::size_t>& indices() const { return m_indices; }
    /// Number of this rank's indices that are not padding (the padding is at the end).
    std::size_t uniqueCount() const { return m_unique; }

private:
    int m_batchSize;
    std::vector<std::size_t> m_indices;
    std::size_t m_unique = 0;
};

}  // namespace studio::train
