#include "base/parquet/snappy_seek.h"

#include <cstring>

#include "base/parquet/parquet_error.h"

namespace studio::parquet {

namespace {

constexpr std::uint64_t kFragment = 1u << 16;

struct Element {
    std::uint32_t headerBytes = 0;  // tag and length/offset bytes
    std::uint32_t literal = 0;      // literal bytes that follow (0 for copies)
    std::uint32_t length = 0;       // output bytes
    std::uint32_t offset = 0;       // copy distance (0 for literals)
};

// Parses the element at data[0]; false when it does not fit in `size`.
bool parse(const std::uint8_t* p, std::size_t size, Element& e) {
    if (size < 1) return false;
    const std::uint8_t tag = p[0];
    switch (tag & 3) {
        case 0: {
            std::uint32_t len = tag >> 2;
            e.headerBytes = 1;
            if (len >= 60) {
                const std::uint32_t extra = len - 59;
                if (size < 1 + extra) return false;
                len = 0;
                for (std::uint32_t i = 0; i < extra; ++i) len |= static_cast<std::uint32_t>(p[1 + i]) << (8 * i);
                e.headerBytes += extra;
            }
            e.literal = e.length = len + 1;
            e.offset = 0;
            return size >= e.headerBytes + e.literal;
        }
        case 1:
            if (size < 2) return false;
            e.headerBytes = 2;
            e.literal = 0;
            e.length = 4 + ((tag >> 2) & 7);
            e.offset = (static_cast<std::uint32_t>(tag >> 5) << 8) | p[1];
            return true;
        case 2:
            if (size < 3) return false;
            e.headerBytes = 3;
            e.literal = 0;
            e.length = 1 + (tag >> 2);
            e.offset = p[1] | (static_cast<std::uint32_t>(p[2]) << 8);
            return true;
        default:
            if (size < 5) return false;
            e.headerBytes = 5;
            e.literal = 0;
            e.length = 1 + (tag >> 2);
            std::memcpy(&e.offset, p + 1, 4);
            return true;
    }
}

}  // namespace

std::vector<SnappySeekPoint> snappySeekPoints(const std::uint8_t* data, std::size_t size) {
    std::size_t pos = 0;
    std::uint64_t total = 0;
    for (int shift = 0;; shift += 7) {  // the uncompressed length, a varint
        if (pos >= size || shift > 28) throw ParquetError("malformed SNAPPY page (length header)");
        total |= static_cast<std::uint64_t>(data[pos] & 0x7F) << shift;
        if (!(data[pos++] & 0x80)) break;
    }
    std::vector<SnappySeekPoint> points;
    std::uint64_t out = 0, nextBoundary = 0;
    while (pos < size && out < total) {
        if (out >= nextBoundary) {
            if (out == nextBoundary || points.empty())
                points.push_back({static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(out)});
            nextBoundary = (out / kFragment + 1) * kFragment;
        }
        Element e;
        if (!parse(data + pos, size - pos, e)) throw ParquetError("malformed SNAPPY page (element past the end)");
        pos += e.headerBytes + e.literal;
        out += e.length;
    }
    return points;
}

bool snappyDecodeRange(const std::uint8_t* data, std::size_t size, const SnappySeekPoint& from, std::uint64_t begin,
                       std::uint64_t end, std::string& out) {
    if (begin < from.uncompressed || end < begin) return false;
    std::string window;  // output from the seek point on
    window.reserve(static_cast<std::size_t>(end - from.uncompressed));
    std::size_t pos = 0;
    while (from.uncompressed + window.size() < end) {
        Element e;
        if (!parse(data + pos, size - pos, e)) return false;
        if (e.literal) {
            window.append(reinterpret_cast<const char*>(data + pos + e.headerBytes), e.literal);
        } else {
            if (e.offset == 0 || e.offset > window.size()) return false;  // reaches before the seek point
            const std::size_t src = window.size() - e.offset;
            if (e.offset >= e.length) {
                window.append(window, src, e.length);
            } else {
                for (std::uint32_t i = 0; i < e.length; ++i) window.push_back(window[src + i]);  // overlapping run
            }
        }
        pos += e.headerBytes + e.literal;
    }
    out.append(window, static_cast<std::size_t>(begin - from.uncompressed), static_cast<std::size_t>(end - begin));
    return true;
}

}  // namespace studio::parquet
