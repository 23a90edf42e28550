#include "train/engine/rank_step.h"

#include "train/dist/model_broadcast.h"
#include "train/dist/overlapped_grad_sync.h"

namespace studio::train {

namespace {

constexpr double kWeightDecay = 1e-4;

CriterionOptions oneMatcherThread() {
    MatcherOptions mo;
    mo.threads = 1;
    CriterionOptions co;
    co.matcher = mo;
    return co;
}

}  // namespace

RankStep::RankStep(DistContext& dist, RFDetrImpl& model, const RankStepOptions& options)
    : m_criterion(oneMatcherThread(), [&dist](double local) { return dist.averageOverRanks(local); }) {
    broadcastModule(dist, model);
    model.train();
    std::vector<at::Tensor> params;
    std::vector<AdamWGroup> groups;
    for (auto& p : model.parameters()) {
        if (!p.requires_grad()) continue;
        params.push_back(p);
        groups.push_back({p, options.lr, kWeightDecay});
    }
    m_optimizer = std::make_unique<AdamW>(std::move(groups));
    m_context.model = &model;
    m_context.criterion = &m_criterion;
    m_context.optimizer = m_optimizer.get();
    m_context.dist = &dist;
    m_context.params = std::move(params);
    if (options.overlap) m_context.gradSync = dist.makeGradientSync(m_context.params);  // null for one rank
    m_context.microBatch = options.microBatch;
    m_context.device = options.device;
    m_context.autocast = options.autocast && options.device.is_cuda();
}

StepResult RankStep::step(const Batch& batch, LossLayout& layout) { return trainStep(m_context, batch, 1.0, layout); }

OverlappedGradSync* RankStep::overlappedSync() const {
    return dynamic_cast<OverlappedGradSync*>(m_context.gradSync.get());
}

}  // namespace studio::train
