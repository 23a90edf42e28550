#pragma once
// Reads one column chunk of one row group: every page (dictionary, data page v1 and v2), decompressed,
// levels and values decoded. Values are stored densely (nulls have no value; the definition levels tell
// where they are). For byte arrays the reader can also record where each value lives in the file, so a
// single value (an image) can be read again later without decoding its neighbours.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/parquet/parquet_metadata.h"
#include "base/parquet/parquet_schema.h"

namespace studio::parquet {

/// Where one byte-array value lives: inside the decoded body of a page at `bodyOffset` in the file.
struct ValueLocation {
    std::uint64_t bodyOffset = 0;      // file offset of the page body (after its header)
    std::uint32_t compressedBytes = 0; // body bytes in the file
    std::uint32_t uncompressedBytes = 0;
    std::uint32_t levelBytes = 0;      // data page v2: uncompressed level bytes at the start of the body
    std::uint32_t offset = 0;          // of the value within the decoded body
    std::uint32_t length = 0;
    Codec codec = Codec::Uncompressed; // Uncompressed also when a v2 page stores its values uncompressed
    // SNAPPY pages: a point to start decoding from (see snappy_seek.h), relative to the compressed and the
    // decompressed values (after the v2 levels). seekCompressed == 0: none, decode the whole page.
    std::uint32_t seekCompressed = 0;
    std::uint32_t seekUncompressed = 0;

    /// The value's bytes are stored as-is in the file at bodyOffset + offset.
    bool direct() const { return codec == Codec::Uncompressed; }
};

struct ColumnValues {
    PhysicalType type = PhysicalType::Int32;
    std::size_t numLevels = 0;               // entries, nulls included
    std::vector<std::uint16_t> defLevels;    // empty when maxDef == 0
    std::vector<std::uint16_t> repLevels;    // empty when maxRep == 0
    std::vector<std::int64_t> ints;          // BOOLEAN, INT32, INT64 values
    std::vector<double> reals;               // FLOAT, DOUBLE values
    std::vector<std::uint8_t> bytes;         // BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY payloads, concatenated
    std::vector<std::uint64_t> offsets{0};   // value i = bytes[offsets[i], offsets[i+1])
    std::vector<ValueLocation> locations;    // per byte-array value, when asked for

    std::size_t numValues() const;
    std::string_view bytesAt(std::size_t i) const {
        return {reinterpret_cast<const char*>(bytes.data() + offsets[i]), static_cast<std::size_t>(offsets[i + 1] - offsets[i])};
    }
    std::size_t byteLength(std::size_t i) const { return static_cast<std::size_t>(offsets[i + 1] - offsets[i]); }
};

struct ColumnReadOptions {
    bool keepBytes = true;         // false: byte-array payloads are not copied (lengths/locations only)
    bool recordLocations = false;  // fill ColumnValues::locations
};

/// Decodes a column chunk whose bytes (from the first page to the end of the chunk) are in `chunk`,
/// starting at file offset `chunkOffset`. Throws ParquetError / ParquetUnsupported naming the column.
ColumnValues decodeColumnChunk(const std::uint8_t* chunk, std::size_t size, std::uint64_t chunkOffset,
                               const ColumnMetaData& meta, const ColumnDescriptor& column,
                               const ColumnReadOptions& options);

/// Decodes a page body as stored (decompressing the values part); `out` receives the decoded body.
void decodePageBody(const std::uint8_t* body, const ValueLocation& where, std::vector<std::uint8_t>& out);

/// Reads one recorded value through `readAt(offset, buffer, size)` without decoding its whole page: direct
/// bytes for uncompressed pages, a partial decode from the seek point for SNAPPY pages. False when neither
/// applies (then decode the page with decodePageBody).
bool readValueFast(const ValueLocation& where, const std::function<void(std::uint64_t, void*, std::size_t)>& readAt,
                   std::string& out);

}  // namespace studio::parquet
