#include "train/data/loader_factory.h"

#include <algorithm>

#include "train/data/multi_scale.h"

namespace studio::train {

namespace {

// Workers share batches, so enough batches in flight to keep every worker busy, plus one ready: a
// 16-image step batch at 736 px is ~100 MB, so this is kept as small as that allows.
LoaderOptions loaderOptions(const RunConfig& cfg, int batchImages, const LoaderSetup& setup) {
    LoaderOptions o;
    o.numWorkers = cfg.numWorkers;
    o.prefetchBatches = 2 + std::max(0, cfg.numWorkers - 1) / std::max(1, batchImages);
    o.pinMemory = setup.pinMemory;
    return o;
}

}  // namespace

TrainAugment trainAugment(const RunConfig& cfg) {
    TrainAugment a;
    a.squareSize = trainSquareSize(resolvedResolution(cfg), cfg.multiScale, cfg.expandedScales);
    return a;
}

std::unique_ptr<DataLoader> makeTrainLoader(std::shared_ptr<const CocoIndex> index, const RunConfig& cfg,
                                            const LoaderSetup& setup) {
    TrainSamplerOptions so;
    so.datasetSize = index ? index->numImages() : 0;
    so.batchSize = cfg.batchSize * cfg.gradAccumSteps;
    so.rank = setup.rank;
    so.worldSize = setup.worldSize;
    so.seed = cfg.seed;
    const TrainSampler sampler(so);
    auto dataset = std::make_shared<DetectionDataset>(std::move(index), setup.reader);
    return std::make_unique<DataLoader>(dataset, sampler, SampleTransform::forTraining(trainAugment(cfg)),
                                        loaderOptions(cfg, so.batchSize, setup));
}

std::unique_ptr<DataLoader> makeEvalLoader(std::shared_ptr<const CocoIndex> index, const RunConfig& cfg,
                                           const LoaderSetup& setup) {
    const std::size_t n = index ? index->numImages() : 0;
    auto dataset = std::make_shared<DetectionDataset>(std::move(index), setup.reader);
    return std::make_unique<DataLoader>(dataset, EvalSampler(n, cfg.batchSize, setup.rank, setup.worldSize),
                                        SampleTransform::forEval(resolvedResolution(cfg)),
                                        loaderOptions(cfg, cfg.batchSize, setup));
}

}  // namespace studio::train
