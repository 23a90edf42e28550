#pragma once
// Parquet's value and level encodings: the RLE / bit-packed hybrid (levels, dictionary indices, booleans)
// and the DELTA_* encodings. Each decoder checks bounds and throws ParquetError on malformed data.
#include <cstdint>
#include <vector>

namespace studio::parquet {

/// Decodes `count` values of `bitWidth` bits from an RLE/bit-packed hybrid stream (no length prefix).
/// Returns the bytes consumed.
std::size_t decodeRleHybrid(const std::uint8_t* data, std::size_t size, int bitWidth, std::size_t count,
                            std::uint32_t* out);

/// DELTA_BINARY_PACKED: appends `count` integers; returns the bytes consumed.
std::size_t decodeDeltaBinaryPacked(const std::uint8_t* data, std::size_t size, std::size_t count,
                                    std::vector<std::int64_t>& out);

/// Number of bits needed for values up to `maxValue`.
int bitWidthFor(std::uint32_t maxValue);

}  // namespace studio::parquet
