#pragma once
// The start of a multi-process run (rfdetr-spec.md §9, DDP's constructor): every rank begins from rank 0's
// parameters and buffers, whatever its own initialisation drew.
namespace torch::nn {
class Module;
}

namespace studio::train {

class DistContext;

/// Copies rank `root`'s parameters and buffers into every rank's `module` (same architecture on all ranks).
/// Blocking collective; training thread, before the optimiser is built.
void broadcastModule(DistContext& dist, torch::nn::Module& module, int root = 0);

}  // namespace studio::train
