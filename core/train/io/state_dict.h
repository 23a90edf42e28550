#pragma once
// State dicts (name -> tensor, in module registration order) as they appear inside .pth files:
// collections.OrderedDict of tensors under "model" / "ema_model" (rfdetr's layout).
#include <string>
#include <utility>
#include <vector>

#include <ATen/Tensor.h>

#include "train/io/py_value.h"

namespace studio::train {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

/// OrderedDict(name -> tensor), as torch's Module.state_dict() pickles it.
PyValue stateDictToValue(const NamedTensors& tensors);

/// The tensors of a dict / OrderedDict with str keys. Throws std::runtime_error naming `what` ("model")
/// and the offending key when the value is not such a dict or an entry is not a tensor.
NamedTensors stateDictFromValue(const PyValue& value, const std::string& what);

/// Finds a tensor by name in `tensors`; nullptr when absent.
const at::Tensor* findTensor(const NamedTensors& tensors, const std::string& name);

}  // namespace studio::train
