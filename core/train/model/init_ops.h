#pragma once
// Parameter initialisers rfdetr uses that LibTorch's C++ API lacks (rfdetr-spec.md §2.8).
#include <ATen/Tensor.h>

namespace studio::train {

/// In place: N(0, std²) truncated to [-2, 2] (absolute bounds, as torch.nn.init.trunc_normal_ defaults).
void truncNormal_(at::Tensor tensor, double std);

/// In place: torch.nn.init.xavier_uniform_ (gain 1) for a tensor with >= 2 dimensions.
void xavierUniform_(at::Tensor tensor);

}  // namespace studio::train
