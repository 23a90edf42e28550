#pragma once
// The inverse of pickle_reader: a PyValue tree as a protocol-2 pickle, the way torch.save writes it.
// Tensors become persistent ids ('storage', torch.<Type>Storage, "<n>", 'cpu', numel) rebuilt with
// torch._utils._rebuild_tensor_v2; the caller stores tensors[n] as the archive record data/<n>.
#include <string>
#include <vector>

#include <ATen/Tensor.h>

#include "train/io/py_value.h"

namespace studio::train {

struct PickledData {
    std::string bytes;                // the data.pkl contents
    std::vector<at::Tensor> tensors;  // storage n = tensors[n], contiguous CPU copies
};

/// Pickles `root`. Throws std::invalid_argument for values Python could not rebuild (unsupported tensor
/// dtypes, objects without a class name). Any thread.
PickledData pickleValue(const PyValue& root);

/// "torch.FloatStorage" etc. for a dtype; throws std::invalid_argument for dtypes torch.save cannot name.
std::string storageTypeName(at::ScalarType dtype);

}  // namespace studio::train
