#include "train/engine/grad_clip.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

namespace studio::train {

namespace {
std::vector<at::Tensor> definedGrads(const std::vector<at::Tensor>& params) {
    std::vector<at::Tensor> grads;
    grads.reserve(params.size());
    for (const auto& p : params)
        if (p.grad().defined()) grads.push_back(p.grad());
    return grads;
}

at::Tensor normOf(const std::vector<at::Tensor>& grads) {
    if (grads.empty()) return at::zeros({}, at::kFloat);
    const std::vector<at::Tensor> norms = at::_foreach_norm(grads, 2);
    return at::linalg_vector_norm(at::stack(norms), 2).to(at::kFloat);
}
}  // namespace

at::Tensor globalGradNorm(const std::vector<at::Tensor>& params) {
    c10::NoGradGuard noGrad;
    return normOf(definedGrads(params));
}

at::Tensor clipGradNorm(const std::vector<at::Tensor>& params, double maxNorm) {
    c10::NoGradGuard noGrad;
    const std::vector<at::Tensor> grads = definedGrads(params);
    at::Tensor total = normOf(grads);
    if (maxNorm <= 0 || grads.empty()) return total;
    const at::Tensor coef = at::clamp_max(maxNorm / (total + 1e-6), 1.0);
    for (const auto& g : grads) g.mul_(coef.to(g.scalar_type()));
    return total;
}

}  // namespace studio::train
