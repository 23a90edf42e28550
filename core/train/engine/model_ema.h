#pragma once
// Exponential moving average of the model's full state (rfdetr's ModelEma, rfdetr-spec.md §6.5):
// after every optimiser step, ema <- d * ema + (1 - d) * model with d = decay * (1 - exp(-updates / tau)),
// `updates` starting at 1. Unlike the reference, the update counter is part of the checkpoint, so a resumed
// run continues the same decay sequence. Floating tensors are averaged with multi-tensor (_foreach) ops;
// integer buffers are copied.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/Tensor.h>

namespace studio::train {

class ModelEma {
public:
    /// `ema` and `model` are the two models' state tensors in the same order (equal names and shapes), e.g.
    /// two modelStateDict() lists; the tensors are updated in place. Throws std::invalid_argument naming the
    /// first mismatch.
    ModelEma(std::vector<std::pair<std::string, at::Tensor>> ema,
             std::vector<std::pair<std::string, at::Tensor>> model, double decay = 0.993, double tau = 100.0);

    /// The decay the next update uses (d of update number `updates`).
    static double decayFor(double decay, double tau, std::int64_t updates);
    double nextDecay() const { return decayFor(m_decay, m_tau, m_updates); }

    /// One update from the model's current values; increments the counter. Caller's thread (no grad).
    void update();
    /// Sets every EMA tensor to the model's (a fresh EMA, as a deep copy would be).
    void copyFromModel();

    /// The counter of the next update (1 before the first update).
    std::int64_t updates() const { return m_updates; }
    void setUpdates(std::int64_t updates) { m_updates = updates < 1 ? 1 : updates; }
    double decay() const { return m_decay; }
    double tau() const { return m_tau; }

private:
    std::vector<at::Tensor> m_emaFloat, m_modelFloat;  // floating tensors, averaged
    std::vector<at::Tensor> m_emaOther, m_modelOther;  // integer / bool buffers, copied
    double m_decay;
    double m_tau;
    std::int64_t m_updates = 1;
};

}  // namespace studio::train
