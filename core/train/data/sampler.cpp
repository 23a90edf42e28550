#include "train/data/sampler.h"

#include <stdexcept>
#include <string>
#include <utility>

#include "train/data/sample_rng.h"

namespace studio::train {

namespace {
constexpr std::uint64_t kShuffleTag = 0x73687566666c65ULL;  // "shuffle"
constexpr std::uint64_t kReplaceTag = 0x7265706c616365ULL;  // "replace"
}  // namespace

TrainSampler::TrainSampler(const TrainSamplerOptions& o) : m_options(o) {
    if (o.datasetSize == 0) throw std::invalid_argument("the training split has no images");
    if (o.batchSize < 1 || o.worldSize < 1 || o.rank < 0 || o.rank >= o.worldSize || o.minBatchesPerEpoch < 1)
        throw std::invalid_argument("TrainSampler: bad batch size (" + std::to_string(o.batchSize) + "), rank " +
                                    std::to_string(o.rank) + " or world size " + std::to_string(o.worldSize));
    const std::size_t tinyBelow = std::size_t(o.minBatchesPerEpoch) * std::size_t(o.batchSize) * std::size_t(o.worldSize);
    m_tiny = o.datasetSize < tinyBelow;
    if (m_tiny) {
        m_batches = o.minBatchesPerEpoch;
    } else {
        const std::size_t perRank = (o.datasetSize + std::size_t(o.worldSize) - 1) / std::size_t(o.worldSize);
        m_batches = static_cast<long long>(perRank / std::size_t(o.batchSize));
    }
}

std::vector<std::size_t> TrainSampler::epochIndices(int epoch) const {
    const auto& o = m_options;
    const std::size_t n = o.datasetSize;
    const std::size_t take = std::size_t(m_batches) * std::size_t(o.batchSize);
    std::vector<std::size_t> out;
    out.reserve(take);
    if (m_tiny) {
        SampleRng rng = SampleRng::fromKeys({o.seed, std::uint64_t(epoch), std::uint64_t(o.rank), kReplaceTag});
        for (std::size_t i = 0; i < take; ++i) out.push_back(std::size_t(rng.uniformInt(0, int(n - 1))));
        return out;
    }
    // One permutation per epoch, identical on every rank (Fisher-Yates).
    std::vector<std::size_t> perm(n);
    for (std::size_t i = 0; i < n; ++i) perm[i] = i;
    SampleRng rng = SampleRng::fromKeys({o.seed, std::uint64_t(epoch), kShuffleTag});
    for (std::size_t i = n - 1; i > 0; --i) std::swap(perm[i], perm[std::size_t(rng.uniformInt(0, int(i)))]);
    const std::size_t world = std::size_t(o.worldSize);
    for (std::size_t pos = std::size_t(o.rank); out.size() < take; pos += world) out.push_back(perm[pos % n]);
    return out;
}

EvalSampler::EvalSampler(std::size_t datasetSize, int batchSize, int rank, int worldSize) : m_batchSize(batchSize) {
    if (batchSize < 1 || worldSize < 1 || rank < 0 || rank >= worldSize)
        throw std::invalid_argument("EvalSampler: bad batch size, rank or world size");
    if (datasetSize == 0) return;
    const std::size_t world = std::size_t(worldSize);
    const std::size_t total = (datasetSize + world - 1) / world * world;
    for (std::size_t pos = std::size_t(rank); pos < total; pos += world) {
        m_indices.push_back(pos % datasetSize);
        if (pos < datasetSize) ++m_unique;
    }
}

long long EvalSampler::batchesPerEpoch() const {
    return static_cast<long long>((m_indices.size() + std::size_t(m_batchSize) - 1) / std::size_t(m_batchSize));
}

}  // namespace studio::train
