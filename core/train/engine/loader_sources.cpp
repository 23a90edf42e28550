#include "train/engine/loader_sources.h"

#include "base/config/model_sizes.h"
#include "train/data/multi_scale.h"

namespace studio::train {

LoaderTrainSource::LoaderTrainSource(std::unique_ptr<DataLoader> loader, std::shared_ptr<const CocoIndex> index,
                                     std::vector<int> scales)
    : m_loader(std::move(loader)), m_index(std::move(index)), m_scales(std::move(scales)) {}

void LoaderTrainSource::prepareStep(Batch& batch, long long it) {
    if (m_scales.empty()) return;
    resizeBatch(batch, chooseStepScale(it, m_scales));
}

nlohmann::json LoaderTrainSource::position() const {
    const LoaderPosition p = m_loader->position();
    return {{"epoch", p.epoch}, {"batches_done", p.batchesDone}};
}

std::vector<int> usableTrainScales(const RunConfig& cfg, int patchSize, std::vector<int>* dropped) {
    if (!cfg.multiScale) return {};
    std::vector<int> out;
    for (int s : multiScaleResolutions(resolvedResolution(cfg), cfg.expandedScales)) {
        const long long tokens = static_cast<long long>(s / patchSize) * (s / patchSize);
        if (tokens >= cfg.numQueries) {
            out.push_back(s);
        } else if (dropped) {
            dropped->push_back(s);
        }
    }
    return out;
}

}  // namespace studio::train
