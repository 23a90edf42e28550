#include "base/image/image_header.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace studio {

namespace {

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0)
            ::close(fd);
    }
};

/// Reads up to `n` bytes at `offset`; returns how many were read (0 at the end or on error).
std::size_t readAt(int fd, std::uint64_t offset, unsigned char* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
        const ssize_t r = ::pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        done += static_cast<std::size_t>(r);
    }
    return done;
}

std::uint32_t be16(const unsigned char* p) {
    return (std::uint32_t(p[0]) << 8) | p[1];
}
std::uint32_t be32(const unsigned char* p) {
    return (be16(p) << 16) | be16(p + 2);
}

/// EXIF orientation from an APP1 payload ("Exif\0\0" + TIFF), or 1.
int exifOrientation(const std::vector<unsigned char>& d) {
    if (d.size() < 14 || std::memcmp(d.data(), "Exif\0\0", 6) != 0)
        return 1;
    const unsigned char* t = d.data() + 6;
    const std::size_t n = d.size() - 6;
    const bool le = t[0] == 'I' && t[1] == 'I';
    if (!le && !(t[0] == 'M' && t[1] == 'M'))
        return 1;
    auto u16 = [&](std::size_t o) -> std::uint32_t {
        return le ? (t[o] | (t[o + 1] << 8)) : be16(t + o);
    };
    auto u32 = [&](std::size_t o) -> std::uint32_t {
        return le ? (u16(o) | (u16(o + 2) << 16)) : be32(t + o);
    };
    if (u16(2) != 42)
        return 1;
    const std::uint32_t ifd = u32(4);
    if (ifd + 2 > n)
        return 1;
    const std::uint32_t count = u16(ifd);
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::size_t e = ifd + 2 + std::size_t(i) * 12;
        if (e + 12 > n)
            break;
        if (u16(e) == 0x0112) {  // Orientation, SHORT
            const std::uint32_t v = u16(e + 8);
            return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
        }
    }
    return 1;
}

bool isSof(unsigned m) {
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

ImageProbe probeJpeg(int fd, std::uint64_t size) {
    ImageProbe r;
    r.header.format = ImageFormat::Jpeg;
    std::uint64_t at = 2;
    for (int segments = 0; segments < 4096; ++segments) {
        unsigned char m[4];
        if (readAt(fd, at, m, 2) < 2)
            break;
        if (m[0] != 0xFF) {
            r.error = "is a damaged JPEG (no segment marker at byte " + std::to_string(at) + ")";
            return r;
        }
        if (m[1] == 0xFF) {  // fill byte
            ++at;
            continue;
        }
        const unsigned marker = m[1];
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
            at += 2;
            continue;
        }
        if (marker == 0xD9 || marker == 0xDA)
            break;  // end of image / start of scan before any frame
        if (readAt(fd, at + 2, m + 2, 2) < 2)
            break;
        const std::uint32_t len = be16(m + 2);
        if (len < 2) {
            r.error = "is a damaged JPEG (segment length " + std::to_string(len) + ")";
            return r;
        }
        if (isSof(marker)) {
            unsigned char f[5];
            if (readAt(fd, at + 4, f, 5) < 5)
                break;
            r.header.height = static_cast<int>(be16(f + 1));
            r.header.width = static_cast<int>(be16(f + 3));
            if (r.header.width == 0 || r.header.height == 0) {
                r.error = "is a JPEG whose frame header gives a size of " +
                          std::to_string(r.header.width) + "x" + std::to_string(r.header.height);
                return r;
            }
            r.ok = true;
            return r;
        }
        if (marker == 0xE1 && r.header.exifOrientation == 1) {
            std::vector<unsigned char> payload(len - 2);
            if (readAt(fd, at + 4, payload.data(), payload.size()) == payload.size())
                r.header.exifOrientation = exifOrientation(payload);
        }
        at += 2 + len;
        if (at >= size)
            break;
    }
    r.error = "is a truncated or damaged JPEG (no frame header with the image size)";
    return r;
}

}  // namespace

const char* imageFormatName(ImageFormat f) {
    switch (f) {
        case ImageFormat::Png:
            return "PNG";
        case ImageFormat::Jpeg:
            return "JPEG";
        case ImageFormat::Gif:
            return "GIF";
        case ImageFormat::Bmp:
            return "BMP";
        case ImageFormat::Webp:
            return "WebP";
        case ImageFormat::Tiff:
            return "TIFF";
        default:
            return "unknown";
    }
}

ImageProbe probeImage(const std::string& path) {
    ImageProbe r;
    Fd f;
    f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0) {
        r.error = std::string("cannot open (") + std::strerror(errno) + ")";
        return r;
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        r.error = S_ISDIR(st.st_mode) ? "is a folder, not an image file" : "is not a regular file";
        return r;
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    unsigned char h[32] = {};
    const std::size_t n = readAt(f.fd, 0, h, sizeof h);
    if (n == 0) {
        r.error = size == 0 ? "is empty (0 bytes)"
                            : std::string("cannot be read (") + std::strerror(errno) + ")";
        return r;
    }
    static const unsigned char kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (n >= 8 && std::memcmp(h, kPng, 8) == 0) {
        r.header.format = ImageFormat::Png;
        if (n < 24 || std::memcmp(h + 12, "IHDR", 4) != 0) {
            r.error = "is a truncated or damaged PNG (no IHDR header)";
            return r;
        }
        r.header.width = static_cast<int>(be32(h + 16) & 0x7FFFFFFF);
        r.header.height = static_cast<int>(be32(h + 20) & 0x7FFFFFFF);
        if (r.header.width == 0 || r.header.height == 0) {
            r.error = "is a PNG with a size of 0";
            return r;
        }
        r.ok = true;
        return r;
    }
    if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF)
        return probeJpeg(f.fd, size);
    ImageFormat other = ImageFormat::Unknown;
    if (n >= 6 && (std::memcmp(h, "GIF87a", 6) == 0 || std::memcmp(h, "GIF89a", 6) == 0))
        other = ImageFormat::Gif;
    else if (n >= 2 && h[0] == 'B' && h[1] == 'M')
        other = ImageFormat::Bmp;
    else if (n >= 12 && std::memcmp(h, "RIFF", 4) == 0 && std::memcmp(h + 8, "WEBP", 4) == 0)
        other = ImageFormat::Webp;
    else if (n >= 4 && (std::memcmp(h, "II*\0", 4) == 0 || std::memcmp(h, "MM\0*", 4) == 0))
        other = ImageFormat::Tiff;
    r.header.format = other;
    r.error = other == ImageFormat::Unknown ? "is not an image (neither PNG nor JPEG)"
                                            : std::string("is a ") + imageFormatName(other) +
                                                  " image; only PNG and JPEG are read";
    return r;
}

}  // namespace studio
