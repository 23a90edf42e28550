#pragma once
// Memory and speed prediction from a short probe (issue 11, `rfdetr-train plan`): measured points (micro-batch,
// peak bytes, seconds per step) are fitted with a line and extrapolated to the configured batch; the answer
// says whether it fits the device and, if not, the split that keeps the effective batch and does. Also the
// probe cache: one atomic JSON file per (device, size, resolution, queries, groups, amp, EMA) under
// <cache>/plan/. Pure arithmetic and JSON; no Torch.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/run/oom_advice.h"

namespace studio {

struct ProbePoint {
    int batch = 1;
    std::uint64_t peakBytes = 0;          // the step's peak: max of the two phases below
    std::uint64_t forwardBytes = 0;       // peak during forward + loss (the saved activations: linear in the batch)
    std::uint64_t forwardBackwardBytes = 0;  // peak during forward + loss + backward (grows with the batch)
    std::uint64_t updateBytes = 0;        // peak during clipping + AdamW + EMA (about constant)
    double stepSeconds = 0;   // mean seconds of one training step (forward, backward, update) at `batch`
};

struct ProbeResult {
    std::vector<ProbePoint> points;
    int outOfMemoryBatch = 0;        // the batch that ran out of memory (0: none)
    int resolution = 0;              // input side probed
    double seconds = 0;              // wall time of the probe
};

/// What identifies a probe: results are reused only for the same key.
struct ProbeKey {
    std::string deviceName;
    std::string modelSize;
    int resolution = 0;
    int numQueries = 0;
    int groupDetr = 0;
    std::string amp;           // "bf16" / "fp16" / "off" (CPU: "off")
    bool ema = true;
    nlohmann::json toJson() const;
    /// File name under <cache>/plan/: a hash of the key ("3f2a...json").
    std::string fileName() const;
};

struct PlanEstimate {
    std::uint64_t peakBytes = 0;       // predicted peak memory per device at the configured micro-batch
    double imagesPerSecondPerDevice = 0;
    double imagesPerSecond = 0;        // x number of devices (ideal scaling)
    bool fits = true;                  // peakBytes within the usable part of deviceMemoryBytes (unknown: true)
    std::optional<BatchSplit> suggested;  // when it does not fit: a split keeping the effective batch that does
    std::uint64_t usableBytes = 0;     // the budget compared against
};

/// Predicted peak bytes at micro-batch `batch`: the larger of the forward/backward line and the update peak.
std::uint64_t predictPeakBytes(const ProbeResult& probe, int batch);

/// Least-squares line through the points evaluated at `batch` (one point: proportional from it).
double extrapolate(const std::vector<std::pair<double, double>>& xy, double x);

/// Prediction for micro-batch `batchSize` x `gradAccumSteps` on `devices` devices with `deviceMemoryBytes`
/// (0 = unknown). `usableFraction` of the device memory is the budget (CUDA context, fragmentation). Any thread.
PlanEstimate estimatePlan(const ProbeResult& probe, int batchSize, int gradAccumSteps, int devices,
                          std::uint64_t deviceMemoryBytes, double usableFraction);

nlohmann::json probeToJson(const ProbeResult& probe);
std::optional<ProbeResult> probeFromJson(const nlohmann::json& j);

/// The cached probe for `key` in `cacheDir` (nullopt: none, unreadable or of another key). Any thread.
std::optional<ProbeResult> loadCachedProbe(const std::string& cacheDir, const ProbeKey& key);
/// Stores it atomically (<cacheDir>/plan/<key file>); throws std::runtime_error naming the file.
void storeCachedProbe(const std::string& cacheDir, const ProbeKey& key, const ProbeResult& probe);

}  // namespace studio
