#include "train/engine/step_parts.h"

#include <ATen/ATen.h>

#include "train/engine/param_groups.h"
#include "train/model/model_weights.h"

namespace studio::train {

StepParts::StepParts(const ModelConfig& mc, const RunConfig& cfg, const c10::Device& device, std::uint64_t seed)
    : m_cfg(cfg) {
    at::manual_seed(seed);
    model = RFDetr(mc);
    emaModel = RFDetr(mc);
    model->to(device);
    emaModel->to(device);
    model->train();
    std::vector<std::string> names;
    for (const auto& item : model->named_parameters(true)) {
        if (!item.value().requires_grad()) continue;
        names.push_back(item.key());
        params.push_back(item.value());
    }
    std::vector<AdamWGroup> groups;
    for (const auto& spec : buildParamGroups(names, lrRecipeFrom(cfg, mc.outFeatureIndexes.back())))
        groups.push_back({params[spec.paramIndex], spec.lr, spec.weightDecay});
    optimizer = std::make_unique<AdamW>(std::move(groups));
    for (auto& t : emaModel->parameters()) t.set_requires_grad(false);
    emaModel->eval();
    if (cfg.useEma) {
        ema = std::make_unique<ModelEma>(modelStateDict(*emaModel), modelStateDict(*model), cfg.emaDecay,
                                         cfg.emaTau);
        ema->copyFromModel();
    }
}

StepContext StepParts::context(SetCriterion& criterion, const c10::Device& device, bool autocast) {
    StepContext ctx;
    ctx.model = model.get();
    ctx.criterion = &criterion;
    ctx.optimizer = optimizer.get();
    ctx.ema = ema.get();
    ctx.dist = &dist;
    ctx.params = params;
    ctx.device = device;
    ctx.autocast = autocast && device.is_cuda();
    ctx.autocastDtype = m_cfg.amp == AmpDtype::Fp16 ? at::kHalf : at::kBFloat16;
    ctx.microBatch = m_cfg.batchSize;
    ctx.clipMaxNorm = m_cfg.clipMaxNorm;
    return ctx;
}

}  // namespace studio::train
