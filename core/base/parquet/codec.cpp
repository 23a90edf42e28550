#include "base/parquet/codec.h"

#include <zlib.h>

#include <cstring>

#include "base/parquet/parquet_error.h"

#ifdef STUDIO_HAVE_SNAPPY
#include <snappy-c.h>
#endif
#ifdef STUDIO_HAVE_ZSTD
#include <zstd.h>
#endif

namespace studio::parquet {

bool codecAvailable(Codec codec) {
    switch (codec) {
        case Codec::Uncompressed:
        case Codec::Gzip: return true;
#ifdef STUDIO_HAVE_SNAPPY
        case Codec::Snappy: return true;
#endif
#ifdef STUDIO_HAVE_ZSTD
        case Codec::Zstd: return true;
#endif
        default: return false;
    }
}

namespace {

void gunzip(const std::uint8_t* data, std::size_t size, std::uint8_t* out, std::size_t outSize) {
    z_stream zs{};
    // 15 + 32: accept gzip and zlib headers (writers differ).
    if (inflateInit2(&zs, 15 + 32) != Z_OK) throw ParquetError("zlib could not start");
    zs.next_in = const_cast<Bytef*>(data);
    zs.avail_in = static_cast<uInt>(size);
    zs.next_out = out;
    zs.avail_out = static_cast<uInt>(outSize);
    int rc = Z_OK;
    while (rc == Z_OK) {
        rc = inflate(&zs, Z_FINISH);
        // Concatenated gzip members: start the next one.
        if (rc == Z_STREAM_END && zs.avail_in > 0 && zs.avail_out > 0) rc = inflateReset(&zs);
    }
    const std::size_t produced = outSize - zs.avail_out;
    inflateEnd(&zs);
    if ((rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && zs.avail_out == 0)) || produced != outSize)
        throw ParquetError("corrupt GZIP page data");
}

}  // namespace

void decompress(Codec codec, const std::uint8_t* data, std::size_t size, std::size_t expectedSize,
                std::vector<std::uint8_t>& out) {
    const std::size_t base = out.size();
    out.resize(base + expectedSize);
    std::uint8_t* dst = out.data() + base;
    switch (codec) {
        case Codec::Uncompressed:
            if (size != expectedSize) throw ParquetError("page sizes disagree for uncompressed data");
            if (size) std::memcpy(dst, data, size);
            return;
        case Codec::Gzip: gunzip(data, size, dst, expectedSize); return;
#ifdef STUDIO_HAVE_SNAPPY
        case Codec::Snappy: {
            std::size_t n = 0;
            if (snappy_uncompressed_length(reinterpret_cast<const char*>(data), size, &n) != SNAPPY_OK ||
                n != expectedSize)
                throw ParquetError("corrupt SNAPPY page data (wrong length)");
            std::size_t outLen = expectedSize;
            if (snappy_uncompress(reinterpret_cast<const char*>(data), size, reinterpret_cast<char*>(dst), &outLen) !=
                    SNAPPY_OK ||
                outLen != expectedSize)
                throw ParquetError("corrupt SNAPPY page data");
            return;
        }
#endif
#ifdef STUDIO_HAVE_ZSTD
        case Codec::Zstd: {
            const std::size_t n = ZSTD_decompress(dst, expectedSize, data, size);
            if (ZSTD_isError(n) || n != expectedSize)
                throw ParquetError(std::string("corrupt ZSTD page data") +
                                   (ZSTD_isError(n) ? std::string(": ") + ZSTD_getErrorName(n) : ""));
            return;
        }
#endif
        default: break;
    }
    out.resize(base);
    throw ParquetUnsupported(std::string("compression codec ") + toString(codec) +
                             " is not supported by this build (supported: UNCOMPRESSED, GZIP" +
                             (codecAvailable(Codec::Snappy) ? ", SNAPPY" : "") +
                             (codecAvailable(Codec::Zstd) ? ", ZSTD" : "") +
                             "); rewrite the file with one of these, e.g. pyarrow's compression='zstd'");
}

}  // namespace studio::parquet
