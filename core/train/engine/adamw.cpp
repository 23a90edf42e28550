#include "train/engine/adamw.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace studio::train {

AdamW::AdamW(std::vector<AdamWGroup> groups, AdamWOptions options)
    : m_groups(std::move(groups)), m_states(m_groups.size()), m_options(options) {
    m_lrs.reserve(m_groups.size());
    for (const auto& g : m_groups) m_lrs.push_back(g.initialLr);
}

void AdamW::setLrFactor(double factor) {
    for (std::size_t i = 0; i < m_groups.size(); ++i) m_lrs[i] = m_groups[i].initialLr * factor;
}

void AdamW::step() {
    c10::NoGradGuard noGrad;
    std::vector<at::Tensor> params, grads, expAvg, expAvgSq;
    std::vector<at::Scalar> decayScale, biasCorrection2Sqrt, negStepSize;
    for (std::size_t i = 0; i < m_groups.size(); ++i) {
        at::Tensor p = m_groups[i].param;
        const at::Tensor& g = p.grad();
        if (!g.defined()) continue;
        AdamWState& s = m_states[i];
        if (!s.expAvg.defined()) {
            s.expAvg = at::zeros_like(p, at::MemoryFormat::Preserve);
            s.expAvgSq = at::zeros_like(p, at::MemoryFormat::Preserve);
        }
        s.step += 1;
        const double lr = m_lrs[i];
        const double bc1 = 1.0 - std::pow(m_options.beta1, s.step);
        const double bc2 = 1.0 - std::pow(m_options.beta2, s.step);
        params.push_back(p);
        grads.push_back(g);
        expAvg.push_back(s.expAvg);
        expAvgSq.push_back(s.expAvgSq);
        decayScale.emplace_back(1.0 - lr * m_groups[i].weightDecay);
        biasCorrection2Sqrt.emplace_back(std::sqrt(bc2));
        negStepSize.emplace_back(-(lr / bc1));
    }
    if (params.empty()) return;
    // CUDA: one multi-tensor pass per operation over everything (few kernel launches). CPU: the same
    // operations over chunks small enough to stay in cache between passes (the fallback loops per tensor).
    const bool cuda = params.front().is_cuda();
    const std::size_t chunkBytes = cuda ? SIZE_MAX : (std::size_t(1) << 19);
    std::size_t begin = 0;
    while (begin < params.size()) {
        std::size_t end = begin, bytes = 0;
        do {
            bytes += params[end].numel() * params[end].element_size();
            ++end;
        } while (end < params.size() && bytes < chunkBytes);
        auto slice = [&](const auto& v) { return std::vector(v.begin() + begin, v.begin() + end); };
        updateChunk(slice(params), slice(grads), slice(expAvg), slice(expAvgSq), slice(decayScale),
                    slice(biasCorrection2Sqrt), slice(negStepSize));
        begin = end;
    }
}

void AdamW::updateChunk(std::vector<at::Tensor> params, std::vector<at::Tensor> grads, std::vector<at::Tensor> expAvg,
                        std::vector<at::Tensor> expAvgSq, std::vector<at::Scalar> decayScale,
                        std::vector<at::Scalar> biasCorrection2Sqrt, std::vector<at::Scalar> negStepSize) const {
    // torch.optim.AdamW (single-tensor path, 1.13): p *= 1 - lr*wd; m = m*b1 + (1-b1) g;
    // v = v*b2 + (1-b2) g^2; p += -(lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps).
    at::_foreach_mul_(params, decayScale);
    at::_foreach_mul_(expAvg, m_options.beta1);
    at::_foreach_add_(expAvg, grads, 1.0 - m_options.beta1);
    at::_foreach_mul_(expAvgSq, m_options.beta2);
    at::_foreach_addcmul_(expAvgSq, grads, grads, 1.0 - m_options.beta2);
    std::vector<at::Tensor> denom = at::_foreach_sqrt(expAvgSq);
    at::_foreach_div_(denom, biasCorrection2Sqrt);
    at::_foreach_add_(denom, m_options.eps);
    at::_foreach_addcdiv_(params, expAvg, denom, negStepSize);
}

void AdamW::zeroGrad() {
    for (auto& g : m_groups) {
        at::Tensor& grad = g.param.mutable_grad();
        if (grad.defined()) grad = at::Tensor();
    }
}

void AdamW::setStates(std::vector<AdamWState> states) {
    if (states.size() != m_groups.size())
        throw std::invalid_argument("optimizer state has " + std::to_string(states.size()) +
                                    " parameter groups, the model " + std::to_string(m_groups.size()));
    for (std::size_t i = 0; i < states.size(); ++i) {
        const at::Tensor& p = m_groups[i].param;
        for (at::Tensor* m : {&states[i].expAvg, &states[i].expAvgSq}) {
            if (!m->defined()) continue;
            if (!m->sizes().equals(p.sizes()))
                throw std::invalid_argument("optimizer state of parameter group " + std::to_string(i) +
                                            " has another shape than its parameter");
            *m = m->to(p.options(), /*non_blocking=*/false, /*copy=*/true).contiguous();
        }
        if (states[i].expAvg.defined() != states[i].expAvgSq.defined())
            throw std::invalid_argument("optimizer state of parameter group " + std::to_string(i) +
                                        " has only one of exp_avg / exp_avg_sq");
    }
    m_states = std::move(states);
}

}  // namespace studio::train
