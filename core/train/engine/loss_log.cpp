#include "train/engine/loss_log.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "train/dist/dist_context.h"

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

namespace {
/// sum / steps, averaged over the ranks: one all-reduce of the packed sum (on its device) when world > 1.
std::vector<double> meanOverRanks(const at::Tensor& sum, long long steps, DistContext& dist) {
    if (dist.worldSize() == 1) {
        std::vector<double> v = toHostVector(sum);
        for (double& x : v) x /= static_cast<double>(steps);
        return v;
    }
    std::vector<at::Tensor> one{sum.detach().to(at::kDouble).clone()};
    dist.allReduceSum(one);
    std::vector<double> v = toHostVector(one.front());
    for (double& x : v) x /= static_cast<double>(steps) * dist.worldSize();
    return v;
}
}  // namespace

std::vector<double> LossMeter::takeWindowMean(DistContext& dist) {
    if (m_windowSteps == 0) return {};
    std::vector<double> v = meanOverRanks(m_window, m_windowSteps, dist);
    m_window = at::Tensor();
    m_windowSteps = 0;
    return v;
}

std::vector<double> LossMeter::epochMean(DistContext& dist) const {
    if (m_epochSteps == 0) return {};
    return meanOverRanks(m_epoch, m_epochSteps, dist);
}

std::vector<double> LossMeter::takeWindowMean() {
    SingleProcessDist one;
    return takeWindowMean(one);
}

std::vector<double> LossMeter::epochMean() const {
    SingleProcessDist one;
    return epochMean(one);
}

void LossMeter::resetEpoch() {
    m_epoch = at::Tensor();
    m_epochSteps = 0;
    m_window = at::Tensor();
    m_windowSteps = 0;
}

}  // namespace studio::train
