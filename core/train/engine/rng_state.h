#pragma once
// Torch's default random generators (CPU and every visible CUDA device), captured into checkpoints and
// restored on resume so that anything drawing from them continues the same sequence.
#include <vector>

#include <ATen/Tensor.h>

namespace studio::train {

struct RngSnapshot {
    at::Tensor cpu;                 // uint8 state of the default CPU generator
    std::vector<at::Tensor> cuda;   // one per CUDA device (empty without CUDA)
};

/// Copies the current generator states. Caller's thread (the generators are process-wide).
RngSnapshot captureRng();
/// Restores what captureRng() returned; CUDA states beyond the devices present are ignored.
void restoreRng(const RngSnapshot& snapshot);

}  // namespace studio::train
