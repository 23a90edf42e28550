#pragma once
// A small pickle virtual machine (protocols 0-5, everything torch.save and Python's pickle emit for plain
// data) that builds a PyValue tree instead of Python objects. Known callables are evaluated
// (torch._utils._rebuild_tensor_v2, _rebuild_parameter, collections.OrderedDict, _codecs.encode, set,
// numpy scalars);
// instances of any other class become PyValue objects carrying the class name, constructor arguments and
// BUILD state (argparse.Namespace is one of those: an attribute bag). Nothing is ever executed.
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "train/io/py_value.h"

namespace studio::train {

/// Malformed or truncated pickle data; the message names the byte offset and opcode.
class PickleError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Turns a persistent id (BINPERSID; torch.save's ('storage', StorageType, key, location, numel) tuples)
/// into a value; for torch storages, a flat 1-D CPU tensor of the storage's dtype.
using PersistentLoader = std::function<PyValue(const PyValue& pid)>;

struct UnpickleResult {
    PyValue value;
    /// Classes instantiated without being known to the reader ("numpy.dtype", ...), each once, in order of
    /// first appearance. Known attribute bags (argparse.Namespace) are not listed.
    std::vector<std::string> unknownClasses;
};

/// Runs the pickle in `data`. Throws PickleError on malformed or truncated input; persistent ids without a
/// loader are an error too. Any thread; no shared state.
UnpickleResult unpickle(std::string_view data, const PersistentLoader& persistentLoad = {});

}  // namespace studio::train
