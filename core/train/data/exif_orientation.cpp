#include "train/data/exif_orientation.h"

#include <cstring>

namespace studio::train {

namespace {

struct TiffReader {
    const std::uint8_t* data;
    std::size_t size;
    bool bigEndian;
    bool u16(std::size_t at, unsigned& out) const {
        if (at + 2 > size) return false;
        out = bigEndian ? (unsigned(data[at]) << 8) | data[at + 1] : (unsigned(data[at + 1]) << 8) | data[at];
        return true;
    }
    bool u32(std::size_t at, std::uint32_t& out) const {
        if (at + 4 > size) return false;
        const std::uint8_t* p = data + at;
        out = bigEndian ? (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3]
                        : (std::uint32_t(p[3]) << 24) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[1]) << 8) | p[0];
        return true;
    }
};

}  // namespace

int exifOrientation(const std::uint8_t* app1, std::size_t size) {
    static const std::uint8_t kExif[6] = {'E', 'x', 'i', 'f', 0, 0};
    if (!app1 || size < 6 + 8 || std::memcmp(app1, kExif, 6) != 0) return 1;
    TiffReader tiff{app1 + 6, size - 6, false};
    if (tiff.data[0] == 'M' && tiff.data[1] == 'M') {
        tiff.bigEndian = true;
    } else if (!(tiff.data[0] == 'I' && tiff.data[1] == 'I')) {
        return 1;
    }
    unsigned magic = 0;
    std::uint32_t ifd = 0;
    if (!tiff.u16(2, magic) || magic != 42 || !tiff.u32(4, ifd)) return 1;
    unsigned count = 0;
    if (!tiff.u16(ifd, count)) return 1;
    for (unsigned i = 0; i < count; ++i) {
        const std::size_t entry = std::size_t(ifd) + 2 + std::size_t(i) * 12;
        unsigned tag = 0, type = 0, value = 0;
        if (!tiff.u16(entry, tag) || !tiff.u16(entry + 2, type)) return 1;
        if (tag != 0x0112) continue;
        if (type != 3 || !tiff.u16(entry + 8, value)) return 1;  // SHORT, value inline
        return value >= 1 && value <= 8 ? int(value) : 1;
    }
    return 1;
}

RgbImage applyOrientation(const RgbImage& in, int orientation) {
    if (orientation < 2 || orientation > 8) return in;
    const int w = in.width, h = in.height;
    const bool swap = orientation >= 5;
    RgbImage out;
    out.width = swap ? h : w;
    out.height = swap ? w : h;
    out.pixels.resize(in.pixels.size());
    for (int y = 0; y < out.height; ++y) {
        std::uint8_t* dst = out.row(y);
        for (int x = 0; x < out.width; ++x, dst += 3) {
            int sx = x, sy = y;
            switch (orientation) {
                case 2: sx = w - 1 - x; break;
                case 3: sx = w - 1 - x; sy = h - 1 - y; break;
                case 4: sy = h - 1 - y; break;
                case 5: sx = y; sy = x; break;                   // transpose
                case 6: sx = y; sy = h - 1 - x; break;           // rotate 90 clockwise
                case 7: sx = w - 1 - y; sy = h - 1 - x; break;   // transverse
                case 8: sx = w - 1 - y; sy = x; break;           // rotate 90 counter-clockwise
                default: break;
            }
            const std::uint8_t* src = in.at(sx, sy);
            dst[0] = src[0];
            dst[1] = src[1];
            dst[2] = src[2];
        }
    }
    return out;
}

}  // namespace studio::train
