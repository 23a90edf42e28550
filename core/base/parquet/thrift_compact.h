#pragma once
// A reader for Thrift's compact protocol, the encoding of Parquet's footer and page headers. Only what
// Parquet metadata uses: structs, lists, maps (skipped), integers, doubles, binaries and booleans.
// Malformed input throws ParquetError; nesting depth and lengths are bounded.
#include <cstdint>
#include <string>
#include <vector>

#include "base/parquet/parquet_error.h"

namespace studio::parquet {

enum class TType : std::uint8_t {
    Stop = 0, BoolTrue = 1, BoolFalse = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7, Binary = 8,
    List = 9, Set = 10, Map = 11, Struct = 12,
};

class CompactReader {
public:
    CompactReader(const std::uint8_t* data, std::size_t size) : m_p(data), m_end(data + size), m_begin(data) {}

    /// Next field of the current struct: false at its end (STOP). `id` and `type` are set otherwise.
    bool nextField(std::int16_t& id, TType& type);
    void beginStruct();
    void endStruct();

    std::int32_t readI32();
    std::int64_t readI64();
    double readDouble();
    std::string readBinary();
    /// The value of a boolean field (encoded in its field header).
    bool fieldBool(TType type) const { return type == TType::BoolTrue; }
    /// List header: element type and count.
    std::uint32_t readListHeader(TType& elementType);
    /// Skips one value of `type` (nested values included).
    void skip(TType type, int depth = 0);

    std::size_t offset() const { return static_cast<std::size_t>(m_p - m_begin); }

private:
    std::uint64_t readVarint();
    std::uint8_t readByte();
    const std::uint8_t* m_p;
    const std::uint8_t* m_end;
    const std::uint8_t* m_begin;
    std::vector<std::int16_t> m_lastIds{0};
};

}  // namespace studio::parquet
