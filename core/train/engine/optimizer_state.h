#pragma once
// The optimiser and scheduler entries of a checkpoint in torch's state_dict layout (rfdetr-spec.md §7.1), so
// Python's torch.load / optimizer.load_state_dict read what the Studio writes and the Studio resumes from
// checkpoints rfdetr wrote: 'optimizer' = {state: {i: {step, exp_avg, exp_avg_sq}}, param_groups: [{lr,
// betas, eps, weight_decay, amsgrad, foreach, maximize, capturable, differentiable, fused, initial_lr,
// params: [i]}]}, 'lr_scheduler' = LambdaLR's {base_lrs, last_epoch, _step_count, _last_lr, lr_lambdas, ...}.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "train/engine/adamw.h"
#include "train/io/py_value.h"

namespace studio::train {

/// A checkpoint's optimiser / scheduler entry that does not fit this model; the message says why.
class OptimizerStateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// torch.optim.AdamW.state_dict() of `opt` (groups in order, one parameter each; moments copied to CPU).
PyValue optimizerToPy(const AdamW& opt);
/// Loads an optimiser entry into `opt`: the group count and every moment's shape must match. Group lrs and
/// weight decays are not taken from the file (they follow the configuration, as a fresh rfdetr run would).
/// Throws OptimizerStateError naming the group index.
void optimizerFromPy(AdamW& opt, const PyValue& value);

/// LambdaLR.state_dict() after `step` optimiser steps (last_epoch = step) with the current lrs.
PyValue schedulerToPy(const AdamW& opt, std::int64_t step);
/// The step a LambdaLR entry was saved at (its last_epoch); throws OptimizerStateError when malformed.
std::int64_t schedulerStepFromPy(const PyValue& value);

}  // namespace studio::train
