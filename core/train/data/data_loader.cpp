#include "train/data/data_loader.h"

#include <ATen/ATen.h>

#include <chrono>
#include <stdexcept>
#include <string>

#include "base/log/log.h"
#include "train/data/normalize.h"
#include "train/data/targets.h"

namespace studio::train {

namespace {
constexpr std::uint64_t kSampleTag = 0x73616d706c65ULL;  // "sample"
}  // namespace

struct DataLoader::PendingBatch {
    long long index = 0;
    int length = 0;
    int remaining = 0;
    at::Tensor images;
    std::vector<ImageTargets> targets;
    std::vector<std::int64_t> imageIds;
    std::vector<std::pair<int, int>> origSizes;
    std::vector<std::string> errors;  // per slot; the first failing slot's message is reported
};

DataLoader::DataLoader(std::shared_ptr<const DetectionDataset> dataset, SampleTransform transform,
                       LoaderOptions options)
    : m_dataset(std::move(dataset)), m_transform(std::move(transform)), m_options(options) {
    if (!m_dataset) throw std::invalid_argument("DataLoader: no dataset");
    if (m_options.numWorkers < 0) m_options.numWorkers = 0;
    if (m_options.prefetchBatches < 1) m_options.prefetchBatches = 1;
    m_pin = m_options.pinMemory && at::hasCUDA();
    if (m_options.pinMemory && !m_pin)
        logger().info("data loader: pinned memory needs CUDA; using ordinary memory");
}

DataLoader::DataLoader(std::shared_ptr<const DetectionDataset> dataset, const TrainSampler& sampler,
                       SampleTransform transform, LoaderOptions options)
    : DataLoader(std::move(dataset), std::move(transform), options) {
    if (sampler.options().datasetSize != m_dataset->size())
        throw std::invalid_argument("DataLoader: the sampler was made for another dataset size");
    m_trainSampler = sampler;
    m_seed = sampler.options().seed;
    m_rank = sampler.options().rank;
    m_batchSize = sampler.batchSize();
    m_batches = sampler.batchesPerEpoch();
}

DataLoader::DataLoader(std::shared_ptr<const DetectionDataset> dataset, const EvalSampler& sampler,
                       SampleTransform transform, LoaderOptions options)
    : DataLoader(std::move(dataset), std::move(transform), options) {
    m_evalSampler = sampler;
    m_batchSize = sampler.batchSize();
    m_batches = sampler.batchesPerEpoch();
}

DataLoader::~DataLoader() { stopWorkers(); }

long long DataLoader::batchesPerEpoch() const { return m_batches; }

void DataLoader::stopWorkers() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_workReady.notify_all();
    m_batchReady.notify_all();
    for (auto& t : m_workers) t.join();
    m_workers.clear();
    m_pending.clear();
    m_fatal.clear();
    m_stop = false;
}

void DataLoader::startEpoch(int epoch, long long firstBatch) {
    if (firstBatch < 0 || firstBatch > m_batches)
        throw std::invalid_argument("DataLoader: batch " + std::to_string(firstBatch) + " is outside the epoch (" +
                                    std::to_string(m_batches) + " batches)");
    stopWorkers();
    m_started = true;
    m_epoch = epoch;
    m_indices = m_trainSampler ? m_trainSampler->epochIndices(epoch) : m_evalSampler->indices();
    m_nextBatch = firstBatch;
    m_nextTask = firstBatch * m_batchSize;
    m_endTask = static_cast<long long>(m_indices.size());
    for (int i = 0; i < m_options.numWorkers; ++i) m_workers.emplace_back([this] { workerLoop(); });
}

int DataLoader::batchLength(long long batch) const {
    const long long begin = batch * m_batchSize;
    const long long end = std::min<long long>(begin + m_batchSize, static_cast<long long>(m_indices.size()));
    return static_cast<int>(end - begin);
}

std::shared_ptr<DataLoader::PendingBatch> DataLoader::newBatch(long long batch) const {
    auto p = std::make_shared<PendingBatch>();
    p->index = batch;
    p->length = batchLength(batch);
    p->remaining = p->length;
    const int s = m_transform.outputSize();
    p->images = at::empty({p->length, 3, s, s}, at::TensorOptions().dtype(at::kFloat).pinned_memory(m_pin));
    p->targets.resize(std::size_t(p->length));
    p->imageIds.resize(std::size_t(p->length));
    p->origSizes.resize(std::size_t(p->length));
    p->errors.resize(std::size_t(p->length));
    return p;
}

// Loads one sample into its slot. Thread-safe: each task writes only its own slot.
void DataLoader::loadInto(PendingBatch& p, long long task) const {
    const int slot = static_cast<int>(task - p.index * m_batchSize);
    const std::size_t sampleIndex = m_indices[std::size_t(task)];
    try {
        SampleRng rng = SampleRng::fromKeys({m_seed, std::uint64_t(m_epoch), std::uint64_t(m_rank),
                                             std::uint64_t(task), kSampleTag});
        Sample s = m_dataset->load(sampleIndex, m_transform, rng);
        const int size = m_transform.outputSize();
        float* out = p.images.data_ptr<float>() + std::size_t(slot) * 3 * std::size_t(size) * size;
        normalizeToChw(s.image, out);
        p.targets[std::size_t(slot)] = makeTargets(s.annotations, size);
        p.imageIds[std::size_t(slot)] = s.imageId;
        p.origSizes[std::size_t(slot)] = {s.origHeight, s.origWidth};
    } catch (const std::exception& e) {
        p.errors[std::size_t(slot)] = e.what();
    } catch (...) {
        p.errors[std::size_t(slot)] = m_dataset->imagePath(sampleIndex) + ": unknown error while loading";
    }
}

void DataLoader::workerLoop() {
    const long long window = m_options.prefetchBatches;
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        m_workReady.wait(lock, [&] {
            return m_stop || (m_nextTask < m_endTask && batchOfTask(m_nextTask) < m_nextBatch + window);
        });
        if (m_stop) return;
        const long long task = m_nextTask++;
        const long long batch = batchOfTask(task);
        auto& slot = m_pending[batch];
        if (!slot) {
            try {
                slot = newBatch(batch);
            } catch (const std::exception& e) {  // e.g. out of memory for the batch tensor
                m_pending.erase(batch);
                m_fatal = std::string("data loader: cannot allocate a batch: ") + e.what();
                m_batchReady.notify_all();
                return;
            }
        }
        std::shared_ptr<PendingBatch> pending = slot;
        lock.unlock();
        loadInto(*pending, task);
        lock.lock();
        if (--pending->remaining == 0) m_batchReady.notify_all();
    }
}

Batch DataLoader::finish(PendingBatch& p) const {
    for (const std::string& e : p.errors) {
        if (!e.empty()) throw std::runtime_error(e);
    }
    Batch b;
    b.images = std::move(p.images);
    b.targets = std::move(p.targets);
    b.imageIds = std::move(p.imageIds);
    b.origSizes = std::move(p.origSizes);
    return b;
}

std::optional<Batch> DataLoader::next() {
    if (!m_started) startEpoch(0);
    if (m_nextBatch >= m_batches) return std::nullopt;
    const auto t0 = std::chrono::steady_clock::now();
    std::shared_ptr<PendingBatch> pending;
    if (m_workers.empty()) {
        pending = newBatch(m_nextBatch);
        for (int i = 0; i < pending->length; ++i) loadInto(*pending, m_nextBatch * m_batchSize + i);
        ++m_nextBatch;
    } else {
        std::unique_lock<std::mutex> lock(m_mutex);
        const long long want = m_nextBatch;
        m_batchReady.wait(lock, [&] {
            auto it = m_pending.find(want);
            return !m_fatal.empty() || (it != m_pending.end() && it->second->remaining == 0);
        });
        if (!m_fatal.empty()) throw std::runtime_error(m_fatal);
        pending = m_pending[want];
        m_pending.erase(want);
        ++m_nextBatch;
    }
    m_workReady.notify_all();  // the window moved
    Batch b = finish(*pending);
    b.dataWaitMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return b;
}

}  // namespace studio::train
