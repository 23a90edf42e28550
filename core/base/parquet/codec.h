#pragma once
// Page decompression with the system libraries: snappy, zstd, gzip/zlib; other codecs are named in a
// ParquetUnsupported error.
#include <cstdint>
#include <string>
#include <vector>

#include "base/parquet/parquet_metadata.h"

namespace studio::parquet {

/// True when this build can decompress `codec`.
bool codecAvailable(Codec codec);
/// Decompresses `size` bytes into exactly `expectedSize` bytes (appended to `out` after `out.size()`).
/// Throws ParquetError on corrupt data, ParquetUnsupported for a codec this build lacks.
void decompress(Codec codec, const std::uint8_t* data, std::size_t size, std::size_t expectedSize,
                std::vector<std::uint8_t>& out);

}  // namespace studio::parquet
