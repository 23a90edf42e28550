#pragma once
// Gradient clipping by the global L2 norm (torch.nn.utils.clip_grad_norm_, rfdetr clip_max_norm 0.1).
#include <vector>

#include <ATen/Tensor.h>

namespace studio::train {

/// The L2 norm over every defined gradient of `params`, as a 0-dim float32 tensor on their device (no host
/// synchronisation). Zero when no parameter has a gradient. Caller's thread.
at::Tensor globalGradNorm(const std::vector<at::Tensor>& params);

/// Scales every gradient by min(1, maxNorm / (norm + 1e-6)), torch's rule, without a host synchronisation.
/// Returns the norm before clipping (0-dim tensor). maxNorm <= 0 only measures. Caller's thread.
at::Tensor clipGradNorm(const std::vector<at::Tensor>& params, double maxNorm);

}  // namespace studio::train
