#pragma once
// DistContext over a c10d process group (ARCHITECTURE §1, rfdetr-spec.md §9): rendezvous through a
// c10d::TCPStore on MASTER_ADDR:MASTER_PORT (rank 0 serves it), a consistency check of the ranks that
// arrived, then ProcessGroupGloo on CPU or ProcessGroupNCCL on CUDA (when the build has NCCL). Gradients
// are averaged in flattened buckets, all buckets in flight at once, in fp32 or, with gradCompression, in
// bf16 / fp16 (half the bytes). c10d stays inside the .cpp.
#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

#include <c10/core/Device.h>

#include "base/config/run_config.h"
#include "base/dist/rank_context.h"
#include "train/dist/dist_context.h"

namespace studio::train {

/// The process group could not be formed (port in use, a rank that never arrived, inconsistent
/// WORLD_SIZE, NCCL failure). The message names MASTER_ADDR:MASTER_PORT; hint() says what to do.
class DistInitError : public std::runtime_error {
public:
    DistInitError(const std::string& message, std::string hint)
        : std::runtime_error(message), m_hint(std::move(hint)) {}
    const std::string& hint() const { return m_hint; }

private:
    std::string m_hint;
};

struct ProcessGroupOptions {
    int timeoutS = 600;                    // rendezvous and collective timeout (--dist-timeout)
    std::size_t bucketBytes = 25u << 20;   // gradient bucket cap (DDP's default 25 MiB)
    int glooThreads = 2;
    /// Precision of the gradient all-reduce (only gradients: the loss log, box counts and flags stay
    /// exact). Checked when the group forms: Gloo in LibTorch 1.13 cannot sum bf16.
    GradCompression gradCompression = GradCompression::None;
};

/// Time spent in collectives since the group was formed (for the scaling benchmark and logs).
struct DistTimings {
    double gradientSyncS = 0;       // averageGradients, wall time
    long long gradientBytes = 0;    // bytes all-reduced for gradients
    long long gradientSyncs = 0;
};

class ProcessGroupDist final : public DistContext {
public:
    /// Joins the group of `rank` on `device` (CPU: Gloo, CUDA: NCCL). Blocks until every rank arrived or
    /// the timeout passed; throws DistInitError. Main thread.
    ProcessGroupDist(const RankContext& rank, c10::Device device, const ProcessGroupOptions& options = {});
    ~ProcessGroupDist() override;
    ProcessGroupDist(const ProcessGroupDist&) = delete;
    ProcessGroupDist& operator=(const ProcessGroupDist&) = delete;

    int rank() const override;
    int worldSize() const override;
    void allReduceSum(std::vector<at::Tensor>& tensors) override;
    void averageGradients(const std::vector<at::Tensor>& params) override;
    double sumOverRanks(double value) override;
    void barrier() override;
    void broadcast(std::vector<at::Tensor>& tensors, int root = 0) override;
    std::vector<std::string> allGather(const std::string& bytes) override;
    /// An OverlappedGradSync over this group's buckets (bucketBytes); null when STUDIO_GRAD_OVERLAP=0 (the
    /// synchronous averageGradients then runs after backward). Main thread.
    std::shared_ptr<GradientSync> makeGradientSync(const std::vector<at::Tensor>& params) override;

    const DistTimings& timings() const;
    /// "gloo" or "nccl".
    std::string backendName() const;
    GradCompression gradCompression() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// Whether this build can form a process group on `device` ("" = yes, else the reason). Any thread.
std::string processGroupUnavailableReason(c10::Device device);

}  // namespace studio::train
