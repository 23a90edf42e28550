#include "base/run/zip_peek.h"

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

namespace studio {

namespace {

std::uint32_t le32(const unsigned char* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (std::uint32_t(p[3]) << 24); }
std::uint16_t le16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }

bool readAt(std::ifstream& in, std::uint64_t off, void* dst, std::size_t n) {
    in.clear();
    in.seekg(static_cast<std::streamoff>(off));
    in.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(in.gcount()) == n;
}

bool inflateRaw(const std::string& src, std::size_t outSize, std::string& out) {
    out.assign(outSize, '\0');
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return false;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(src.data()));
    zs.avail_in = static_cast<uInt>(src.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&zs, Z_FINISH);
    inflateEnd(&zs);
    return rc == Z_STREAM_END && zs.total_out == outSize;
}

}  // namespace

std::string readZipEntry(const std::string& path, const std::string& suffix, bool* ok) {
    if (ok) *ok = false;
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    in.seekg(0, std::ios::end);
    const std::uint64_t size = static_cast<std::uint64_t>(in.tellg());
    if (size < 22) return {};
    // End of central directory: search the last 64 KiB + 22 bytes.
    const std::uint64_t tail = std::min<std::uint64_t>(size, 65536 + 22);
    std::vector<unsigned char> buf(tail);
    if (!readAt(in, size - tail, buf.data(), tail)) return {};
    std::int64_t eocd = -1;
    for (std::int64_t i = static_cast<std::int64_t>(tail) - 22; i >= 0; --i) {
        if (le32(&buf[i]) == 0x06054b50) {
            eocd = i;
            break;
        }
    }
    if (eocd < 0) return {};
    const std::uint16_t entries = le16(&buf[eocd + 10]);
    const std::uint32_t cdSize = le32(&buf[eocd + 12]);
    const std::uint32_t cdOffset = le32(&buf[eocd + 16]);
    if (cdOffset == 0xFFFFFFFFu || static_cast<std::uint64_t>(cdOffset) + cdSize > size) return {};  // zip64
    std::vector<unsigned char> cd(cdSize);
    if (!readAt(in, cdOffset, cd.data(), cdSize)) return {};
    if (ok) *ok = true;
    std::size_t p = 0;
    for (std::uint16_t e = 0; e < entries && p + 46 <= cd.size(); ++e) {
        if (le32(&cd[p]) != 0x02014b50) break;
        const std::uint16_t method = le16(&cd[p + 10]);
        const std::uint32_t csize = le32(&cd[p + 20]);
        const std::uint32_t usize = le32(&cd[p + 24]);
        const std::uint16_t nlen = le16(&cd[p + 28]), xlen = le16(&cd[p + 30]), clen = le16(&cd[p + 32]);
        const std::uint32_t local = le32(&cd[p + 42]);
        if (p + 46 + nlen > cd.size()) break;
        const std::string name(reinterpret_cast<const char*>(&cd[p + 46]), nlen);
        p += 46 + nlen + xlen + clen;
        if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        unsigned char lh[30];
        if (!readAt(in, local, lh, 30) || le32(lh) != 0x04034b50) break;
        const std::uint64_t dataOff = local + 30 + le16(&lh[26]) + le16(&lh[28]);
        if (dataOff + csize > size) break;
        std::string data(csize, '\0');
        if (!readAt(in, dataOff, data.data(), csize)) break;
        if (method == 0) return data;
        std::string outData;
        if (method == 8 && inflateRaw(data, usize, outData)) return outData;
        break;
    }
    if (ok) *ok = false;
    return {};
}

PickleKeys peekCheckpointKeys(const std::string& path) {
    PickleKeys k;
    bool ok = false;
    const std::string pkl = readZipEntry(path, "data.pkl", &ok);
    if (!ok || pkl.size() < 2 || pkl[0] != '\x80' || pkl.back() != '.') return k;
    k.readable = true;
    // Top-level keys are pickled as BINUNICODE ('X' + u32 length) or SHORT_BINUNICODE (0x8c + u8 length).
    auto find = [&](const std::string& key) -> std::size_t {
        std::string a = "X";
        const std::uint32_t n = static_cast<std::uint32_t>(key.size());
        a += static_cast<char>(n & 0xff);
        a += static_cast<char>((n >> 8) & 0xff);
        a += std::string(2, '\0');
        a += key;
        std::size_t pos = pkl.find(a);
        if (pos != std::string::npos) return pos + a.size();
        std::string b = "\x8c";
        b += static_cast<char>(n);
        b += key;
        pos = pkl.find(b);
        return pos == std::string::npos ? std::string::npos : pos + b.size();
    };
    k.hasModel = find("model") != std::string::npos;
    k.hasEmaModel = find("ema_model") != std::string::npos;
    k.hasOptimizer = find("optimizer") != std::string::npos;
    k.hasLrScheduler = find("lr_scheduler") != std::string::npos;
    std::size_t p = find("epoch");
    if (p != std::string::npos) {
        // Skip memo opcodes: BINPUT q <u8>, LONG_BINPUT r <u32>, MEMOIZE 0x94.
        while (p < pkl.size()) {
            const unsigned char op = static_cast<unsigned char>(pkl[p]);
            if (op == 'q') p += 2;
            else if (op == 'r') p += 5;
            else if (op == 0x94) p += 1;
            else break;
        }
        const auto* u = reinterpret_cast<const unsigned char*>(pkl.data());
        if (p + 1 < pkl.size() && pkl[p] == 'K') k.epoch = u[p + 1];
        else if (p + 2 < pkl.size() && pkl[p] == 'M') k.epoch = u[p + 1] | (u[p + 2] << 8);
        else if (p + 4 < pkl.size() && pkl[p] == 'J') k.epoch = static_cast<int>(le32(u + p + 1));
    }
    return k;
}

}  // namespace studio
