#pragma once
// Reading a few hundred kB out of a 37 MB snappy-compressed page without decompressing all of it.
// Snappy's raw format has no index, but its reference compressor (used by Arrow and pyarrow) compresses
// 64 kB fragments independently: no copy reaches back before the fragment it is in. So decoding can start
// at the element that begins a fragment. The decoder below checks every copy; one that reaches before the
// starting point (a stream from another compressor) makes it return false and the caller decodes the
// whole page instead — the result is exact either way.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace studio::parquet {

struct SnappySeekPoint {
    std::uint32_t compressed = 0;    // offset of an element in the compressed stream
    std::uint32_t uncompressed = 0;  // where that element's output starts
};

/// Element starts at every 64 kB boundary of the output (the first point is the first element). Walks the
/// tags only. Throws ParquetError on a malformed stream.
std::vector<SnappySeekPoint> snappySeekPoints(const std::uint8_t* data, std::size_t size);

/// Decodes output bytes [begin, end) starting at seek point `from`, `data` being the compressed stream from
/// `from.compressed` on (`size` bytes available). Appends to `out`; false when the stream needs bytes
/// before `from` (decode the whole page instead) or `size` is too short.
bool snappyDecodeRange(const std::uint8_t* data, std::size_t size, const SnappySeekPoint& from, std::uint64_t begin,
                       std::uint64_t end, std::string& out);

/// Upper bound of compressed bytes holding `n` output bytes, plus one whole element reaching past them.
inline std::uint64_t snappyMaxCompressed(std::uint64_t n) { return 32 + n + n / 6 + 65536 + 5; }

}  // namespace studio::parquet
