#include "train/engine/loss_log.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

namespace studio::train {

double LossLayout::total(const std::vector<double>& values) const {
    double sum = 0;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i)
        if (weights[i] != 0) sum += values[i] * weights[i];
    return sum;
}

std::map<std::string, double> LossLayout::logKeys(const std::vector<double>& values,
                                                  const std::string& prefix) const {
    std::map<std::string, double> out;
    if (values.size() != names.size()) return out;
    out[prefix + "loss"] = total(values);
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (weights[i] != 0) out[prefix + names[i]] = values[i] * weights[i];
        out[prefix + names[i] + "_unscaled"] = values[i];
        if (names[i] == "class_error") out[prefix + "class_error"] = values[i];
    }
    return out;
}

std::map<std::string, double> LossLayout::eventLosses(const std::vector<double>& values) const {
    std::map<std::string, double> out;
    if (values.size() != names.size()) return out;
    out["total"] = total(values);
    double enc = 0;
    bool hasEnc = false;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string& n = names[i];
        const double weighted = values[i] * weights[i];
        if (n == "loss_ce") out["ce"] = weighted;
        else if (n == "loss_bbox") out["bbox"] = weighted;
        else if (n == "loss_giou") out["giou"] = weighted;
        else if (n == "class_error") out["class_error"] = values[i];
        if (weights[i] != 0 && n.size() > 4 && n.compare(n.size() - 4, 4, "_enc") == 0) {
            enc += weighted;
            hasEnc = true;
        }
    }
    if (hasEnc) out["enc"] = enc;
    return out;
}

std::vector<double> toHostVector(const at::Tensor& t) {
    const at::Tensor h = t.detach().to(at::kCPU, at::kDouble).contiguous();
    const double* p = h.data_ptr<double>();
    return std::vector<double>(p, p + h.numel());
}

void LossMeter::add(const at::Tensor& packed) {
    c10::NoGradGuard noGrad;
    const at::Tensor v = packed.detach().to(at::kDouble);
    if (!m_window.defined()) {
        m_window = v.clone();
    } else {
        m_window.add_(v);
    }
    if (!m_epoch.defined()) {
        m_epoch = v.clone();
    } else {
        m_epoch.add_(v);
    }
    ++m_windowSteps;
    ++m_epochSteps;
}

std::vector<double> LossMeter::takeWindowMean() {
    if (m_windowSteps == 0) return {};
    std::vector<double> v = toHostVector(m_window);
    for (double& x : v) x /= static_cast<double>(m_windowSteps);
    m_window = at::Tensor();
    m_windowSteps = 0;
    return v;
}

std::vector<double> LossMeter::epochMean() const {
    if (m_epochSteps == 0) return {};
    std::vector<double> v = toHostVector(m_epoch);
    for (double& x : v) x /= static_cast<double>(m_epochSteps);
    return v;
}

void LossMeter::resetEpoch() {
    m_epoch = at::Tensor();
    m_epochSteps = 0;
    m_window = at::Tensor();
    m_windowSteps = 0;
}

}  // namespace studio::train
