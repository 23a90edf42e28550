#include "base/parquet/encodings.h"

#include "base/parquet/parquet_error.h"

namespace studio::parquet {

namespace {

std::uint64_t readVarint(const std::uint8_t* data, std::size_t size, std::size_t& pos) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= size) throw ParquetError("encoded values end early (truncated page)");
        const std::uint8_t b = data[pos++];
        v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if (!(b & 0x80)) return v;
    }
    throw ParquetError("malformed varint in page data");
}

// Little-endian bit unpacking of `count` values of `bits` bits starting at data[pos].
void unpack(const std::uint8_t* data, std::size_t size, std::size_t pos, int bits, std::size_t count,
            std::uint64_t* out) {
    const std::size_t needBytes = (count * static_cast<std::size_t>(bits) + 7) / 8;
    if (pos + needBytes > size) throw ParquetError("bit-packed values end early (truncated page)");
    std::uint64_t bitPos = 0;
    const std::uint64_t mask = bits >= 64 ? ~0ULL : ((1ULL << bits) - 1);
    for (std::size_t i = 0; i < count; ++i) {
        std::uint64_t v = 0;
        int got = 0;
        while (got < bits) {
            const std::size_t byte = pos + (bitPos >> 3);
            const int shift = static_cast<int>(bitPos & 7);
            const int take = std::min(8 - shift, bits - got);
            v |= static_cast<std::uint64_t>((data[byte] >> shift) & ((1u << take) - 1)) << got;
            got += take;
            bitPos += static_cast<std::uint64_t>(take);
        }
        out[i] = v & mask;
    }
}

}  // namespace

int bitWidthFor(std::uint32_t maxValue) {
    int w = 0;
    while (maxValue) {
        ++w;
        maxValue >>= 1;
    }
    return w;
}

std::size_t decodeRleHybrid(const std::uint8_t* data, std::size_t size, int bitWidth, std::size_t count,
                            std::uint32_t* out) {
    if (bitWidth < 0 || bitWidth > 32) throw ParquetError("invalid bit width in RLE data");
    std::size_t pos = 0, n = 0;
    const std::size_t valueBytes = static_cast<std::size_t>((bitWidth + 7) / 8);
    std::vector<std::uint64_t> tmp;
    while (n < count) {
        const std::uint64_t header = readVarint(data, size, pos);
        if (header & 1) {  // bit-packed: (header >> 1) groups of 8 values
            const std::uint64_t groups = header >> 1;
            const std::size_t values = static_cast<std::size_t>(groups * 8);
            if (bitWidth > 0 && groups > size) throw ParquetError("malformed RLE data (bit-packed run too long)");
            tmp.resize(values);
            unpack(data, size, pos, bitWidth, values, tmp.data());
            pos += static_cast<std::size_t>(groups) * static_cast<std::size_t>(bitWidth);
            for (std::size_t i = 0; i < values && n < count; ++i) out[n++] = static_cast<std::uint32_t>(tmp[i]);
        } else {  // RLE run
            const std::uint64_t run = header >> 1;
            if (pos + valueBytes > size) throw ParquetError("RLE data ends early (truncated page)");
            std::uint32_t v = 0;
            for (std::size_t b = 0; b < valueBytes; ++b) v |= static_cast<std::uint32_t>(data[pos + b]) << (8 * b);
            pos += valueBytes;
            if (run == 0) throw ParquetError("malformed RLE data (empty run)");
            for (std::uint64_t i = 0; i < run && n < count; ++i) out[n++] = v;
        }
    }
    return pos;
}

std::size_t decodeDeltaBinaryPacked(const std::uint8_t* data, std::size_t size, std::size_t count,
                                    std::vector<std::int64_t>& out) {
    std::size_t pos = 0;
    const std::uint64_t blockSize = readVarint(data, size, pos);
    const std::uint64_t miniblocks = readVarint(data, size, pos);
    const std::uint64_t total = readVarint(data, size, pos);
    const std::uint64_t zz = readVarint(data, size, pos);
    if (blockSize == 0 || miniblocks == 0 || blockSize % 128 != 0 || (blockSize / miniblocks) % 32 != 0)
        throw ParquetError("malformed DELTA_BINARY_PACKED header");
    if (total < count) throw ParquetError("DELTA_BINARY_PACKED holds fewer values than the page says");
    std::int64_t value = static_cast<std::int64_t>(zz >> 1) ^ -static_cast<std::int64_t>(zz & 1);
    const std::size_t perMini = static_cast<std::size_t>(blockSize / miniblocks);
    std::vector<std::uint64_t> deltas(perMini);
    std::vector<std::uint8_t> widths(static_cast<std::size_t>(miniblocks));
    std::size_t produced = 0;
    if (total > 0 && count > 0) {
        out.push_back(value);
        ++produced;
    }
    std::uint64_t remaining = total > 0 ? total - 1 : 0;
    while (remaining > 0) {
        const std::uint64_t zmin = readVarint(data, size, pos);
        const std::int64_t minDelta = static_cast<std::int64_t>(zmin >> 1) ^ -static_cast<std::int64_t>(zmin & 1);
        if (pos + widths.size() > size) throw ParquetError("DELTA_BINARY_PACKED data ends early");
        for (auto& w : widths) w = data[pos++];
        for (std::size_t m = 0; m < widths.size() && remaining > 0; ++m) {
            if (widths[m] > 64) throw ParquetError("malformed DELTA_BINARY_PACKED bit width");
            unpack(data, size, pos, widths[m], perMini, deltas.data());
            pos += perMini * widths[m] / 8;
            for (std::size_t i = 0; i < perMini && remaining > 0; ++i, --remaining) {
                value = static_cast<std::int64_t>(static_cast<std::uint64_t>(value) +
                                                  static_cast<std::uint64_t>(minDelta) + deltas[i]);
                if (produced < count) {
                    out.push_back(value);
                    ++produced;
                }
            }
        }
    }
    return pos;
}

}  // namespace studio::parquet
