#pragma once
// The measured probe behind `rfdetr-train plan` (issue 11): builds the run's model (size, queries, groups),
// its EMA twin and AdamW state on the run's device, and times a few training steps (as train_step.cpp) on
// synthetic images at two micro-batch sizes, recording the peak memory of forward+backward and of the update
// separately (the first grows with the batch, the second does not): on CPU the counting CPU
// allocator's peak (counting_allocator.h), on CUDA the caching allocator's peak reserved bytes (LibTorch 2.x).
// Weights, gradients, optimiser and EMA state are allocated inside the measurement, so a point's peak is
// what a run at that batch needs on the device.
#include <cstdint>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "base/config/run_config.h"
#include "base/run/plan_estimate.h"
#include "train/model/model_config.h"

namespace studio::train {

struct ProbeSpec {
    ModelConfig model;                 // size, queries, groups, classes
    int resolution = 512;              // input side of the probe's images (the largest a run trains at)
    c10::Device device{c10::kCPU};
    bool autocast = false;             // CUDA autocast as the run would use
    bool bf16 = true;                  // autocast dtype (else fp16)
    bool useEma = true;
    std::vector<int> batches{1, 2};    // micro-batch sizes to measure, ascending
    int warmupSteps = 1;               // untimed steps per batch (allocator warm-up, lazy optimiser state)
    int timedSteps = 2;                // timed steps per batch
    int boxesPerImage = 20;
};

/// Runs the probe. A batch that runs out of memory ends the probe (result.outOfMemoryBatch). Throws
/// std::runtime_error when memory cannot be measured on this device/build. Caller's thread (uses the
/// global CPU allocator slot while it runs: no other Torch work in the process meanwhile).
ProbeResult runProbe(const ProbeSpec& spec);

/// The probe spec of a run: model of cfg's size with `numClassLogits`, cfg's queries/groups/EMA/amp, the
/// largest multi-scale size (or the resolution), `device`.
ProbeSpec probeSpecFor(const RunConfig& cfg, const c10::Device& device, int numClassLogits = 4);

/// "cpu: Intel(R) Xeon(R) ... (16 threads)" / "cuda:0: NVIDIA H100 80GB HBM3". Any thread.
std::string deviceName(const c10::Device& device);

/// Memory the run may use on `device` (CUDA: total memory via NVML; host: MemAvailable); 0 when unknown.
std::uint64_t deviceMemoryBytes(const c10::Device& device);

}  // namespace studio::train
