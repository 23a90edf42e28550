#pragma once
// Gradient all-reduce overlapped with backward (issue 7, DDP's reducer): the parameters are split into
// buckets in reverse order (backward produces the last layers' gradients first), a tensor hook on each
// parameter copies its gradient (what .grad will hold once accumulated) into its bucket's flat buffer, and a
// bucket's asynchronous sum starts as soon as all of its parameters reported, strictly in bucket order so
// every rank issues the same collectives in the same order. finish() fills what never reported (unused
// parameters: their accumulated gradient or zeros), starts the rest plus a small "has a gradient" mask, waits,
// divides by the world size and writes the means back; a parameter without a gradient on every rank keeps
// none. The arithmetic is that of ProcessGroupDist::averageGradients, so both give the same bits.
// The collective comes in as a function, so the bucketing and hook logic is testable without a process group.
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include <ATen/Tensor.h>

#include "train/dist/dist_context.h"
#include "train/dist/grad_buckets.h"

namespace studio::train {

struct GradSyncStats {
    double exposedS = 0;          // wall time inside finish() (the part of the all-reduce not hidden)
    long long bytes = 0;          // bytes all-reduced for gradients
    long long syncs = 0;          // finish() calls
    long long bucketsEarly = 0;   // buckets started while backward was still running
    long long bucketsTotal = 0;
};

class OverlappedGradSync final : public GradientSync {
public:
    /// Waits for a started collective.
    using Wait = std::function<void()>;
    /// Starts an in-place sum of `flat` over the ranks; returns how to wait for it. `gradients`: a
    /// gradient bucket (the collective may compress it); false for the exact "has a gradient" mask.
    using LaunchSum = std::function<Wait(at::Tensor& flat, bool gradients)>;

    /// Registers a hook on each of `params` (leaf tensors that require grad); `capBytes` caps a bucket.
    /// Main thread.
    OverlappedGradSync(std::vector<at::Tensor> params, std::size_t capBytes, int worldSize, LaunchSum launch);
    ~OverlappedGradSync() override;  // removes the hooks
    OverlappedGradSync(const OverlappedGradSync&) = delete;
    OverlappedGradSync& operator=(const OverlappedGradSync&) = delete;

    void armForLastBackward() override;
    void finish() override;

    /// Indices into params, per bucket, in launch order. Any thread.
    const std::vector<GradBucket>& buckets() const { return m_buckets; }
    const GradSyncStats& stats() const { return m_stats; }

private:
    void onGradient(std::size_t param, const at::Tensor& incoming);
    void fill(std::size_t param, const at::Tensor& value);
    void launchReady();
    at::Tensor slot(std::size_t param) const;

    std::vector<at::Tensor> m_params;
    std::vector<unsigned> m_hooks;
    std::vector<GradBucket> m_buckets;
    std::vector<std::size_t> m_bucketOf, m_offsetOf;  // per parameter: bucket, element offset in its flat
    std::vector<at::Tensor> m_flats;
    std::vector<int> m_pending;                       // per bucket: parameters not reported yet
    std::vector<char> m_filled;                       // per parameter
    std::vector<Wait> m_waits;                        // per started bucket
    std::size_t m_nextLaunch = 0;
    int m_worldSize = 1;
    LaunchSum m_launch;
    bool m_armed = false;
    std::mutex m_mutex;
    GradSyncStats m_stats;
};

}  // namespace studio::train
