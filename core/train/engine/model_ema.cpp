#include "train/engine/model_ema.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <stdexcept>

namespace studio::train {

namespace {
std::string shapeText(const at::Tensor& t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}
}  // namespace

ModelEma::ModelEma(std::vector<std::pair<std::string, at::Tensor>> ema,
                   std::vector<std::pair<std::string, at::Tensor>> model, double decay, double tau)
    : m_decay(decay), m_tau(tau) {
    if (ema.size() != model.size())
        throw std::invalid_argument("EMA: the EMA model has " + std::to_string(ema.size()) + " tensors, the model " +
                                    std::to_string(model.size()));
    for (std::size_t i = 0; i < ema.size(); ++i) {
        const auto& [en, et] = ema[i];
        const auto& [mn, mt] = model[i];
        if (en != mn || !et.sizes().equals(mt.sizes()) || et.scalar_type() != mt.scalar_type())
            throw std::invalid_argument("EMA: tensor " + std::to_string(i) + " differs: EMA " + en + " " +
                                        shapeText(et) + " vs model " + mn + " " + shapeText(mt));
        if (at::isFloatingType(et.scalar_type())) {
            m_emaFloat.push_back(et);
            m_modelFloat.push_back(mt);
        } else {
            m_emaOther.push_back(et);
            m_modelOther.push_back(mt);
        }
    }
}

double ModelEma::decayFor(double decay, double tau, std::int64_t updates) {
    if (tau <= 0) return decay;
    return decay * (1.0 - std::exp(-static_cast<double>(updates) / tau));
}

void ModelEma::update() {
    const double d = nextDecay();
    c10::NoGradGuard noGrad;
    if (!m_emaFloat.empty()) {
        at::_foreach_mul_(m_emaFloat, d);
        at::_foreach_add_(m_emaFloat, m_modelFloat, 1.0 - d);
    }
    for (std::size_t i = 0; i < m_emaOther.size(); ++i) m_emaOther[i].copy_(m_modelOther[i]);
    ++m_updates;
}

void ModelEma::copyFromModel() {
    c10::NoGradGuard noGrad;
    for (std::size_t i = 0; i < m_emaFloat.size(); ++i) m_emaFloat[i].copy_(m_modelFloat[i]);
    for (std::size_t i = 0; i < m_emaOther.size(); ++i) m_emaOther[i].copy_(m_modelOther[i]);
}

}  // namespace studio::train
