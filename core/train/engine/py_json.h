#pragma once
// JSON <-> Python values for the plain parts of checkpoints (studio state, args): objects become dicts,
// arrays lists, numbers int or float. Tensors and Python objects have no JSON form.
#include <nlohmann/json.hpp>

#include "train/io/py_value.h"

namespace studio::train {

/// Converts JSON to a Python value (objects as plain dicts, in key order).
PyValue jsonToPy(const nlohmann::json& j);
/// Converts back; tensors, bytes and objects throw std::runtime_error naming their type. Tuples become arrays.
nlohmann::json pyToJson(const PyValue& v);

}  // namespace studio::train
