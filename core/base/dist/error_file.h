#pragma once
// torchrun's error file: when TORCHELASTIC_ERROR_FILE is set, a failing worker writes
// {"message":{"message":"<Type>: <text>","extraInfo":{"py_callstack":"...","timestamp":"<unix s>"}}}
// so torchrun's failure summary shows our error (ecosystem.md B.2.1).
#include <string>

namespace studio {

/// Writes the error file atomically; returns false (and never throws) when it cannot.
bool writeTorchElasticErrorFile(const std::string& path, const std::string& type, const std::string& message,
                                const std::string& callstack = {});

}  // namespace studio
