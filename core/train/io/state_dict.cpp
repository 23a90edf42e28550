#include "train/io/state_dict.h"

#include <stdexcept>

namespace studio::train {

PyValue stateDictToValue(const NamedTensors& tensors) {
    PyValue d = PyValue::dict(true);
    auto& entries = d.dictRef().entries;
    entries.reserve(tensors.size());
    for (const auto& [name, t] : tensors) entries.emplace_back(PyValue(name), PyValue(t));
    return d;
}

NamedTensors stateDictFromValue(const PyValue& value, const std::string& what) {
    if (!value.isDict())
        throw std::runtime_error("'" + what + "' is a " + value.typeName() + ", expected a state dict (name -> tensor)");
    NamedTensors out;
    out.reserve(value.size());
    for (const auto& [k, v] : value.dictRef().entries) {
        if (!k.isString())
            throw std::runtime_error("'" + what + "' has a non-string key " + k.repr() + "; expected parameter names");
        if (!v.isTensor())
            throw std::runtime_error("'" + what + "' entry '" + k.asString() + "' is a " + v.typeName() +
                                     ", expected a tensor");
        out.emplace_back(k.asString(), v.asTensor());
    }
    return out;
}

const at::Tensor* findTensor(const NamedTensors& tensors, const std::string& name) {
    for (const auto& [n, t] : tensors)
        if (n == name) return &t;
    return nullptr;
}

}  // namespace studio::train
