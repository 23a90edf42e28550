#pragma once
// Errors of the Parquet reader: what is wrong, in which file, and what the user can do.
#include <stdexcept>
#include <string>

namespace studio::parquet {

class ParquetError : public std::runtime_error {
public:
    explicit ParquetError(const std::string& message) : std::runtime_error(message) {}
};

/// A file or a feature this reader does not support (codec, encoding, ...): says which one.
class ParquetUnsupported : public ParquetError {
public:
    explicit ParquetUnsupported(const std::string& message) : ParquetError(message) {}
};

}  // namespace studio::parquet
