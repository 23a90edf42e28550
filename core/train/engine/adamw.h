#pragma once
// AdamW with one parameter per group (rfdetr-spec.md §6.2): PyTorch's update rule (decoupled weight decay,
// bias-corrected moments, eps added after the sqrt) applied to all parameters at once with multi-tensor
// (_foreach) ops, each parameter with its own lr and weight decay. The state is laid out as torch.optim's
// state_dict (per index: step, exp_avg, exp_avg_sq), so checkpoints move between Python and the Studio.
#include <cstdint>
#include <vector>

#include <ATen/Tensor.h>

namespace studio::train {

struct AdamWOptions {
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
};

struct AdamWGroup {
    at::Tensor param;       // the (leaf) parameter this group updates
    double initialLr = 0;   // lr before the schedule (LambdaLR's base_lrs / initial_lr)
    double weightDecay = 0;
};

/// Per-parameter state, as torch.optim.AdamW keeps it (undefined tensors before the first update).
struct AdamWState {
    double step = 0;        // updates applied (torch stores it as a float tensor)
    at::Tensor expAvg;
    at::Tensor expAvgSq;
};

class AdamW {
public:
    AdamW(std::vector<AdamWGroup> groups, AdamWOptions options = {});

    /// Sets every group's lr to initialLr x factor (the LambdaLR schedule). Caller's thread.
    void setLrFactor(double factor);
    /// One update from the current gradients; parameters without a gradient are skipped (as torch).
    /// No host synchronisation. Caller's thread.
    void step();
    /// Drops every gradient (set to none).
    void zeroGrad();

    std::size_t size() const { return m_groups.size(); }
    const AdamWGroup& group(std::size_t i) const { return m_groups[i]; }
    double lr(std::size_t i) const { return m_lrs[i]; }
    const AdamWOptions& options() const { return m_options; }
    const std::vector<AdamWState>& states() const { return m_states; }
    /// Replaces the state (checkpoint restore). Throws std::invalid_argument naming the group index when the
    /// count or a moment's shape does not match. Moments are moved to each parameter's device and dtype.
    void setStates(std::vector<AdamWState> states);

private:
    void updateChunk(std::vector<at::Tensor> params, std::vector<at::Tensor> grads, std::vector<at::Tensor> expAvg,
                     std::vector<at::Tensor> expAvgSq, std::vector<at::Scalar> decayScale,
                     std::vector<at::Scalar> biasCorrection2Sqrt, std::vector<at::Scalar> negStepSize) const;

    std::vector<AdamWGroup> m_groups;
    std::vector<double> m_lrs;
    std::vector<AdamWState> m_states;
    AdamWOptions m_options;
};

}  // namespace studio::train
