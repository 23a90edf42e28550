#pragma once
// CRC-32 checks of zip entries. caffe2's PyTorchStreamReader (as built in LibTorch) does not verify
// CRCs, so a bit flip inside a storage would load silently; the .pth reader checks every record it uses.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace studio::train {

/// CRC-32 of every entry in the central directory of the zip file at `path`, by entry name (zip64 aware).
/// Throws std::runtime_error when the central directory cannot be read.
std::map<std::string, std::uint32_t> zipEntryCrcs(const std::string& path);

/// zlib's CRC-32 of `size` bytes.
std::uint32_t crc32Of(const void* data, std::size_t size);

}  // namespace studio::train
