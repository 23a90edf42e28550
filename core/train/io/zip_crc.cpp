#include "train/io/zip_crc.h"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace studio::train {

namespace {

std::uint64_t le(const unsigned char* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

std::vector<unsigned char> readAt(std::ifstream& in, std::uint64_t offset, std::uint64_t size) {
    std::vector<unsigned char> buf(static_cast<std::size_t>(size));
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(size));
    if (static_cast<std::uint64_t>(in.gcount()) != size) throw std::runtime_error("zip central directory is truncated");
    return buf;
}

}  // namespace

std::map<std::string, std::uint32_t> zipEntryCrcs(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    in.seekg(0, std::ios::end);
    const std::uint64_t fileSize = static_cast<std::uint64_t>(in.tellg());
    const std::uint64_t tail = std::min<std::uint64_t>(fileSize, 22 + 65535);
    const std::vector<unsigned char> end = readAt(in, fileSize - tail, tail);
    std::int64_t eocd = -1;
    for (std::int64_t i = static_cast<std::int64_t>(tail) - 22; i >= 0; --i)
        if (le(&end[static_cast<std::size_t>(i)], 4) == 0x06054b50) { eocd = i; break; }
    if (eocd < 0) throw std::runtime_error("no zip end-of-central-directory record");
    const unsigned char* e = &end[static_cast<std::size_t>(eocd)];
    std::uint64_t cdSize = le(e + 12, 4), cdOffset = le(e + 16, 4);
    if (cdOffset == 0xffffffffu || cdSize == 0xffffffffu) {  // zip64: locator just before the EOCD
        const std::uint64_t eocdPos = fileSize - tail + static_cast<std::uint64_t>(eocd);
        if (eocdPos < 20) throw std::runtime_error("zip64 locator missing");
        const auto loc = readAt(in, eocdPos - 20, 20);
        if (le(loc.data(), 4) != 0x07064b50) throw std::runtime_error("zip64 locator missing");
        const auto rec = readAt(in, le(loc.data() + 8, 8), 56);
        if (le(rec.data(), 4) != 0x06064b50) throw std::runtime_error("zip64 end record missing");
        cdSize = le(rec.data() + 40, 8);
        cdOffset = le(rec.data() + 48, 8);
    }
    if (cdOffset + cdSize > fileSize) throw std::runtime_error("zip central directory lies beyond the file end");
    const auto cd = readAt(in, cdOffset, cdSize);
    std::map<std::string, std::uint32_t> out;
    std::size_t p = 0;
    while (p + 46 <= cd.size() && le(&cd[p], 4) == 0x02014b50) {
        const std::size_t nameLen = le(&cd[p + 28], 2), extra = le(&cd[p + 30], 2), comment = le(&cd[p + 32], 2);
        if (p + 46 + nameLen > cd.size()) throw std::runtime_error("zip central directory entry is truncated");
        out[std::string(reinterpret_cast<const char*>(&cd[p + 46]), nameLen)] = static_cast<std::uint32_t>(le(&cd[p + 16], 4));
        p += 46 + nameLen + extra + comment;
    }
    return out;
}

std::uint32_t crc32Of(const void* data, std::size_t size) {
    uLong crc = crc32(0L, Z_NULL, 0);
    const auto* bytes = static_cast<const Bytef*>(data);
    while (size > 0) {
        const uInt chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
        crc = crc32(crc, bytes, chunk);
        bytes += chunk;
        size -= chunk;
    }
    return static_cast<std::uint32_t>(crc);
}

}  // namespace studio::train
