#pragma once
// The multi-threaded loader: NUM_WORKERS threads read, decode and augment samples straight into the batch
// tensor, at most `prefetchBatches` batches ahead of the consumer (a bounded queue). Every sample's random
// choices come from (seed, epoch, rank, batch, slot), never from which thread ran it, so batches are
// identical for any number of workers and after a resume. A worker's error is re-thrown by next() for
// the batch it belongs to, naming the image file. Destruction stops the workers without waiting for the
// epoch (at most the samples already being decoded finish).
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "train/data/batch.h"
#include "train/data/detection_dataset.h"
#include "train/data/sampler.h"

namespace studio::train {

struct LoaderOptions {
    int numWorkers = 2;        // loading threads; 0 = load inside next() on the calling thread
    int prefetchBatches = 2;   // batches being prepared or ready ahead of the consumer (>= 1)
    bool pinMemory = false;    // page-locked batches for fast host-to-GPU copies (ignored without CUDA)
};

/// Where an epoch stands, for checkpoints: resume with startEpoch(epoch, batchesDone).
struct LoaderPosition {
    int epoch = 0;
    long long batchesDone = 0;
};

class DataLoader {
public:
    /// Training loader: the sampler's shuffled shard, `transform` usually SampleTransform::forTraining.
    DataLoader(std::shared_ptr<const DetectionDataset> dataset, const TrainSampler& sampler,
               SampleTransform transform, LoaderOptions options);
    /// Evaluation loader: sequential shard, nothing dropped.
    DataLoader(std::shared_ptr<const DetectionDataset> dataset, const EvalSampler& sampler,
               SampleTransform transform, LoaderOptions options);
    ~DataLoader();
    DataLoader(const DataLoader&) = delete;
    DataLoader& operator=(const DataLoader&) = delete;

    long long batchesPerEpoch() const;
    /// Begins `epoch` at batch `firstBatch` (0, or a checkpoint's position). Drops anything in flight.
    /// Throws std::invalid_argument when firstBatch is outside the epoch. Consumer thread.
    void startEpoch(int epoch, long long firstBatch = 0);
    /// The next batch of the epoch (waiting for it; the wait is in Batch::dataWaitMs), or nullopt when the
    /// epoch is over. Throws std::runtime_error with the failing image's message. Consumer thread.
    std::optional<Batch> next();
    LoaderPosition position() const { return {m_epoch, m_nextBatch}; }
    bool pinnedMemory() const { return m_pin; }

private:
    struct PendingBatch;
    DataLoader(std::shared_ptr<const DetectionDataset> dataset, SampleTransform transform, LoaderOptions options);
    void stopWorkers();
    void workerLoop();
    long long batchOfTask(long long task) const { return task / m_batchSize; }
    int batchLength(long long batch) const;
    std::shared_ptr<PendingBatch> newBatch(long long batch) const;
    void loadInto(PendingBatch& pending, long long task) const;
    Batch finish(PendingBatch& pending) const;

    std::shared_ptr<const DetectionDataset> m_dataset;
    SampleTransform m_transform;
    LoaderOptions m_options;
    bool m_pin = false;
    // Where the epoch's order comes from.
    std::optional<TrainSampler> m_trainSampler;
    std::optional<EvalSampler> m_evalSampler;
    std::uint64_t m_seed = 0;
    int m_rank = 0;

    // Epoch state (written by the consumer while no worker runs).
    int m_epoch = 0;
    int m_batchSize = 1;
    long long m_batches = 0;
    std::vector<std::size_t> m_indices;
    long long m_nextBatch = 0;  // the batch next() returns (workers read it under m_mutex)
    bool m_started = false;

    // Shared with the workers (under m_mutex).
    std::mutex m_mutex;
    std::condition_variable m_workReady;
    std::condition_variable m_batchReady;
    bool m_stop = false;
    std::string m_fatal;  // a failure outside any sample (batch allocation)
    long long m_nextTask = 0;
    long long m_endTask = 0;
    std::map<long long, std::shared_ptr<PendingBatch>> m_pending;
    std::vector<std::thread> m_workers;
};

}  // namespace studio::train
