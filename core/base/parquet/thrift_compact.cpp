#include "base/parquet/thrift_compact.h"

#include <cstring>

namespace studio::parquet {

namespace {
constexpr int kMaxDepth = 64;
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }
}  // namespace

std::uint8_t CompactReader::readByte() {
    if (m_p >= m_end) throw ParquetError("metadata ends early (truncated Thrift data)");
    return *m_p++;
}

std::uint64_t CompactReader::readVarint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        const std::uint8_t b = readByte();
        v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if (!(b & 0x80)) return v;
    }
    throw ParquetError("malformed metadata (varint longer than 10 bytes)");
}

void CompactReader::beginStruct() {
    if (m_lastIds.size() > kMaxDepth) throw ParquetError("malformed metadata (nested too deeply)");
    m_lastIds.push_back(0);
}

void CompactReader::endStruct() {
    if (m_lastIds.size() > 1) m_lastIds.pop_back();
}

bool CompactReader::nextField(std::int16_t& id, TType& type) {
    const std::uint8_t b = readByte();
    if (b == 0) return false;
    type = static_cast<TType>(b & 0x0F);
    if (static_cast<std::uint8_t>(type) > 12) throw ParquetError("malformed metadata (unknown Thrift type)");
    const int delta = b >> 4;
    id = delta ? static_cast<std::int16_t>(m_lastIds.back() + delta) : static_cast<std::int16_t>(unzigzag(readVarint()));
    m_lastIds.back() = id;
    return true;
}

std::int32_t CompactReader::readI32() { return static_cast<std::int32_t>(unzigzag(readVarint())); }
std::int64_t CompactReader::readI64() { return unzigzag(readVarint()); }

double CompactReader::readDouble() {
    if (m_end - m_p < 8) throw ParquetError("metadata ends early (truncated Thrift data)");
    double d;
    std::memcpy(&d, m_p, 8);
    m_p += 8;
    return d;
}

std::string CompactReader::readBinary() {
    const std::uint64_t n = readVarint();
    if (n > static_cast<std::uint64_t>(m_end - m_p)) throw ParquetError("metadata ends early (string past the end)");
    std::string s(reinterpret_cast<const char*>(m_p), static_cast<std::size_t>(n));
    m_p += n;
    return s;
}

std::uint32_t CompactReader::readListHeader(TType& elementType) {
    const std::uint8_t b = readByte();
    elementType = static_cast<TType>(b & 0x0F);
    std::uint64_t n = b >> 4;
    if (n == 15) n = readVarint();
    if (n > static_cast<std::uint64_t>(m_end - m_p) + 1) throw ParquetError("malformed metadata (list too long)");
    return static_cast<std::uint32_t>(n);
}

void CompactReader::skip(TType type, int depth) {
    if (depth > kMaxDepth) throw ParquetError("malformed metadata (nested too deeply)");
    switch (type) {
        case TType::BoolTrue:
        case TType::BoolFalse: return;  // the value lives in the field header
        case TType::Byte: readByte(); return;
        case TType::I16:
        case TType::I32:
        case TType::I64: readVarint(); return;
        case TType::Double: readDouble(); return;
        case TType::Binary: readBinary(); return;
        case TType::List:
        case TType::Set: {
            TType et;
            const std::uint32_t n = readListHeader(et);
            for (std::uint32_t i = 0; i < n; ++i) {
                if (et == TType::BoolTrue || et == TType::BoolFalse) readByte();  // bools in lists take a byte
                else skip(et, depth + 1);
            }
            return;
        }
        case TType::Map: {
            const std::uint64_t n = readVarint();
            if (n == 0) return;
            const std::uint8_t kv = readByte();
            for (std::uint64_t i = 0; i < n; ++i) {
                skip(static_cast<TType>(kv >> 4), depth + 1);
                skip(static_cast<TType>(kv & 0x0F), depth + 1);
            }
            return;
        }
        case TType::Struct: {
            beginStruct();
            std::int16_t id;
            TType t;
            while (nextField(id, t)) skip(t, depth + 1);
            endStruct();
            return;
        }
        case TType::Stop: return;
    }
}

}  // namespace studio::parquet
