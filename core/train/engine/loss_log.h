#pragma once
// Loss logging without a host synchronisation per term per step: each optimiser step's raw loss terms (one
// packed device vector, SetCriterion's LossResult::packed order) are summed on the device; the host reads
// a window mean every few steps (step events) and the epoch mean once (log.txt). Names follow rfdetr's
// MetricLogger (rfdetr-spec.md §5.6): `loss`, each weighted term (`loss_ce`, `loss_bbox_0`, ...), every term
// with `_unscaled`, and `class_error`.
#include <map>
#include <string>
#include <vector>

#include <ATen/Tensor.h>

namespace studio::train {

class DistContext;

/// Which term is which in a packed loss vector, and its weight in the total (0: logging only).
struct LossLayout {
    std::vector<std::string> names;
    std::vector<double> weights;

    /// The weighted total of raw `values` (NaN propagates).
    double total(const std::vector<double>& values) const;
    /// rfdetr's log keys with `prefix` ("train_", "test_", "ema_test_"): loss, weighted terms, *_unscaled,
    /// class_error.
    std::map<std::string, double> logKeys(const std::vector<double>& values, const std::string& prefix) const;
    /// The event's loss map: total, ce, bbox, giou (weighted final-layer terms, as rfdetr logs them), plus
    /// enc (the weighted two-stage sum) and class_error.
    std::map<std::string, double> eventLosses(const std::vector<double>& values) const;
};

class LossMeter {
public:
    /// Adds one step's packed raw terms (device tensor; no synchronisation).
    void add(const at::Tensor& packed);
    /// Steps added since the last takeWindowMean().
    long long windowSteps() const { return m_windowSteps; }
    /// Mean over the window (one device-to-host copy) and a new window; empty when the window is empty.
    std::vector<double> takeWindowMean();
    /// ... and over the ranks of `dist` (rfdetr's reduce_dict): one small all-reduce when the world has
    /// several ranks, so every rank must call it on the same step (all have the same window).
    std::vector<double> takeWindowMean(DistContext& dist);
    /// Mean over the epoch so far (one copy); empty when nothing was added.
    std::vector<double> epochMean() const;
    /// ... and over the ranks of `dist` (a collective when the world has several ranks, as above).
    std::vector<double> epochMean(DistContext& dist) const;
    long long epochSteps() const { return m_epochSteps; }
    void resetEpoch();

private:
    at::Tensor m_window, m_epoch;
    long long m_windowSteps = 0, m_epochSteps = 0;
};

/// Copies a small device vector to the host as doubles (one synchronisation).
std::vector<double> toHostVector(const at::Tensor& t);

}  // namespace studio::train
