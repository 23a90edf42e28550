#pragma once
// What the training loop needs from multi-process training (ARCHITECTURE §1, rfdetr-spec.md §9): who this
// rank is, gradient averaging once per optimiser step, sums of tensors and host values (box counts, loss
// logs, stop flags), a barrier and a broadcast of the initial parameters. The loop talks only to this
// interface; SingleProcessDist is the one-process implementation, the process-group implementation (Gloo on
// CPU, NCCL on GPUs) plugs in behind it. Only rank 0 writes files.
#include <cmath>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <ATen/Tensor.h>

namespace studio::train {

/// Gradient averaging overlapped with the last backward of an optimiser step (DDP's reducer): buckets of
/// gradients are all-reduced while backward still computes the rest. Every rank must call finish() at the
/// same point of every step, whether or not its backward ran. Training thread (hooks may run on autograd
/// threads).
class GradientSync {
public:
    virtual ~GradientSync() = default;
    /// The next backward is the step's last: all-reduce each bucket as soon as its gradients are ready.
    virtual void armForLastBackward() = 0;
    /// Starts whatever is not in flight yet (from the gradients as they are; none = zeros), waits for all,
    /// and leaves the mean over ranks in every gradient that is defined on some rank. Blocking collective.
    virtual void finish() = 0;
};

class DistContext {
public:
    virtual ~DistContext() = default;

    virtual int rank() const = 0;
    virtual int worldSize() const = 0;
    bool isMain() const { return rank() == 0; }

    /// Sums each tensor in place over all ranks (same shapes and order everywhere). Blocking collective.
    virtual void allReduceSum(std::vector<at::Tensor>& tensors) = 0;
    /// Replaces every defined gradient of `params` by its mean over ranks. Blocking collective.
    virtual void averageGradients(const std::vector<at::Tensor>& params) = 0;
    /// Sum of a host value over ranks (box counts, stop flags). Blocking collective.
    virtual double sumOverRanks(double value) = 0;
    /// Waits for every rank.
    virtual void barrier() = 0;
    /// Copies rank `root`'s values into every rank's tensors (initial parameters, resumed state).
    virtual void broadcast(std::vector<at::Tensor>& tensors, int root = 0) = 0;
    /// Every rank's `bytes`, in rank order (validation detections of each shard). Blocking collective.
    virtual std::vector<std::string> allGather(const std::string& bytes) = 0;
    /// An overlapped replacement for averageGradients(params) (same result); null: call averageGradients.
    /// Main thread, once per set of parameters (it registers gradient hooks on them).
    virtual std::shared_ptr<GradientSync> makeGradientSync(const std::vector<at::Tensor>& /*params*/) {
        return nullptr;
    }

    /// True when `flag` is set on any rank (all ranks act on the same step).
    bool anyRank(bool flag) { return sumOverRanks(flag ? 1.0 : 0.0) > 0.5; }
    /// The loss normaliser's reduction (rfdetr: all-reduce the box count, divide by the world size).
    double averageOverRanks(double value) { return sumOverRanks(value) / worldSize(); }
    /// For each flag, whether it is set on any rank: several decisions in one scalar collective (each flag's
    /// rank count is a digit in base worldSize + 1, exact in a double for up to 4 flags and 4096 ranks).
    /// No communication with one rank.
    std::vector<bool> anyRankEach(const std::vector<bool>& flags) {
        if (worldSize() == 1) return flags;
        const double base = worldSize() + 1.0;
        double packed = 0, digit = 1;
        for (bool f : flags) {
            packed += f ? digit : 0;
            digit *= base;
        }
        double sum = sumOverRanks(packed);
        std::vector<bool> any(flags.size());
        for (std::size_t i = 0; i < flags.size(); ++i) {
            const double count = std::fmod(sum, base);  // exact for integers
            any[i] = count > 0.5;
            sum = (sum - count) / base;
        }
        return any;
    }
};

/// One process: every collective is the identity. (Tests derive from it to claim another rank.)
class SingleProcessDist : public DistContext {
public:
    int rank() const override { return 0; }
    int worldSize() const override { return 1; }
    void allReduceSum(std::vector<at::Tensor>&) override {}
    void averageGradients(const std::vector<at::Tensor>&) override {}
    double sumOverRanks(double value) override { return value; }
    void barrier() override {}
    void broadcast(std::vector<at::Tensor>&, int) override {}
    std::vector<std::string> allGather(const std::string& bytes) override { return {bytes}; }
};

}  // namespace studio::train
