#pragma once
// The Python callables the pickle VM evaluates instead of executing anything: torch.save's tensor
// rebuilders, collections.OrderedDict, protocol-2 bytes (_codecs.encode), sets and numpy scalars.
// Any other class becomes a PyValue object (class name + arguments) and is reported as unknown.
#include <string>

#include "train/io/py_value.h"

namespace studio::train {

struct GlobalCall {
    PyValue value;
    std::string unknownClass;  // the class to report as unknown, "" when it is known
};

/// Evaluates `name(*args)` (name as "module.qualname"). Throws PickleError for malformed arguments.
GlobalCall callGlobal(const std::string& name, PyList args);

/// Classes read as plain attribute bags without a report (argparse.Namespace, numpy.dtype).
bool isKnownClass(const std::string& cls);

/// builtins.set / builtins.frozenset: objects whose first argument is the list of items.
bool isSetClass(const std::string& name);

}  // namespace studio::train
