#pragma once
// The data loader (core/train/data) behind the engine's batch-source interfaces: a train source that
// applies the per-step multi-scale resize (rfdetr's random.seed(it) choice) and an eval source over a split.
#include <memory>
#include <string>
#include <vector>

#include "base/coco/coco_index.h"
#include "base/config/run_config.h"
#include "train/data/data_loader.h"
#include "train/engine/batch_source.h"

namespace studio::train {

class LoaderTrainSource : public TrainBatchSource {
public:
    /// `scales`: the per-step multi-scale sizes (empty = no per-step resize).
    LoaderTrainSource(std::unique_ptr<DataLoader> loader, std::shared_ptr<const CocoIndex> index,
                      std::vector<int> scales);

    long long numImages() const override { return static_cast<long long>(m_index->numImages()); }
    long long batchesPerEpoch() const override { return m_loader->batchesPerEpoch(); }
    void seek(int epoch, long long batch) override { m_loader->startEpoch(epoch, batch); }
    std::optional<Batch> next() override { return m_loader->next(); }
    void prepareStep(Batch& batch, long long it) override;
    nlohmann::json position() const override;
    const std::vector<int>& scales() const { return m_scales; }

private:
    std::unique_ptr<DataLoader> m_loader;
    std::shared_ptr<const CocoIndex> m_index;
    std::vector<int> m_scales;
};

class LoaderEvalSource : public EvalBatchSource {
public:
    LoaderEvalSource(std::unique_ptr<DataLoader> loader, std::shared_ptr<const CocoIndex> index, std::string name)
        : m_loader(std::move(loader)), m_index(std::move(index)), m_name(std::move(name)) {}

    void rewind() override { m_loader->startEpoch(0, 0); }
    std::optional<Batch> next() override { return m_loader->next(); }
    const CocoIndex& groundTruth() const override { return *m_index; }
    std::string name() const override { return m_name; }

private:
    std::unique_ptr<DataLoader> m_loader;
    std::shared_ptr<const CocoIndex> m_index;
    std::string m_name;
};

/// The multi-scale sizes a run trains at (rfdetr-spec.md §6.8), without those too small for the query
/// count: the two-stage head selects num_queries tokens from (size / 16)^2, so smaller sizes cannot run
/// (rfdetr would crash there). Empty when multi-scale is off. `dropped` receives the removed sizes.
std::vector<int> usableTrainScales(const RunConfig& cfg, int patchSize, std::vector<int>* dropped = nullptr);

}  // namespace studio::train
