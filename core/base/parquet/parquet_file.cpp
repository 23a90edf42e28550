#include "base/parquet/parquet_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/parquet/parquet_error.h"

namespace studio::parquet {

namespace {
constexpr std::uint32_t kMaxFooterBytes = 256u << 20;
const char* kFix = "download it again (rfdetr-train fetch-dataset verifies checksums) or regenerate it";
}  // namespace

std::unique_ptr<ParquetFile> ParquetFile::open(const std::string& path) {
    std::unique_ptr<ParquetFile> f(new ParquetFile());
    f->m_path = path;
    f->m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f->m_fd < 0) throw ParquetError("cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(f->m_fd, &st) != 0 || !S_ISREG(st.st_mode)) throw ParquetError(path + " is not a regular file");
    f->m_size = static_cast<std::uint64_t>(st.st_size);
    if (f->m_size < 12) throw ParquetError(path + " is not a Parquet file (only " + std::to_string(f->m_size) + " bytes); " + kFix);
    char head[4], tail[8];
    f->readAt(0, head, 4);
    f->readAt(f->m_size - 8, tail, 8);
    if (std::memcmp(tail + 4, "PARE", 4) == 0)
        throw ParquetUnsupported(path + " is an encrypted Parquet file, which this reader does not support");
    if (std::memcmp(head, "PAR1", 4) != 0 || std::memcmp(tail + 4, "PAR1", 4) != 0)
        throw ParquetError(path + " is not a Parquet file or is truncated (no PAR1 marker at both ends); " + kFix);
    std::uint32_t footerLen;
    std::memcpy(&footerLen, tail, 4);
    if (footerLen > kMaxFooterBytes || footerLen + 12 > f->m_size)
        throw ParquetError(path + ": the footer length is invalid (corrupt or truncated file); " + kFix);
    std::vector<std::uint8_t> footer(footerLen);
    f->readAt(f->m_size - 8 - footerLen, footer.data(), footerLen);
    try {
        f->m_meta = parseFileMetaData(footer.data(), footer.size());
        f->m_schema = Schema::build(f->m_meta.schema);
    } catch (const ParquetError& e) {
        throw ParquetError(path + ": corrupt metadata: " + e.what() + "; " + kFix);
    }
    if (f->m_meta.encrypted) throw ParquetUnsupported(path + " has encrypted columns, which this reader does not support");
    for (const auto& rg : f->m_meta.rowGroups) {
        if (rg.columns.size() != f->m_schema.columns().size())
            throw ParquetError(path + ": a row group has " + std::to_string(rg.columns.size()) + " columns, the schema " +
                               std::to_string(f->m_schema.columns().size()) + "; " + kFix);
        for (const auto& c : rg.columns) {
            if (!c.filePath.empty())
                throw ParquetUnsupported(path + ": column data stored in another file (" + c.filePath + ") is not supported");
            if (!c.meta) throw ParquetError(path + ": a column chunk has no metadata; " + kFix);
        }
    }
    return f;
}

ParquetFile::~ParquetFile() {
    if (m_fd >= 0) ::close(m_fd);
}

std::string ParquetFile::keyValue(const std::string& key) const {
    for (const auto& kv : m_meta.keyValues)
        if (kv.first == key) return kv.second;
    return "";
}

void ParquetFile::readAt(std::uint64_t offset, void* out, std::size_t size) const {
    if (offset > m_size || size > m_size - offset)
        throw ParquetError(m_path + ": data past the end of the file (truncated file?); " + kFix);
    auto* p = static_cast<char*>(out);
    while (size > 0) {
        const ssize_t n = ::pread(m_fd, p, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw ParquetError("cannot read " + m_path + ": " + (n < 0 ? std::strerror(errno) : "unexpected end"));
        p += n;
        offset += static_cast<std::uint64_t>(n);
        size -= static_cast<std::size_t>(n);
    }
}

ColumnValues ParquetFile::readColumn(std::size_t rowGroup, const ColumnDescriptor& column,
                                     const ColumnReadOptions& options) const {
    if (rowGroup >= m_meta.rowGroups.size()) throw ParquetError(m_path + ": no row group " + std::to_string(rowGroup));
    const ColumnMetaData& meta = *m_meta.rowGroups[rowGroup].columns[static_cast<std::size_t>(column.column)].meta;
    if (meta.type != column.type)
        throw ParquetError(m_path + ": column " + column.path + " has type " + toString(meta.type) + " in row group " +
                           std::to_string(rowGroup) + " but " + toString(column.type) + " in the schema; " + kFix);
    std::int64_t start = meta.dataPageOffset;
    if (meta.dictionaryPageOffset && *meta.dictionaryPageOffset > 0 && *meta.dictionaryPageOffset < start)
        start = *meta.dictionaryPageOffset;
    if (start < 4 || meta.totalCompressedSize < 0 ||
        static_cast<std::uint64_t>(start) + static_cast<std::uint64_t>(meta.totalCompressedSize) > m_size)
        throw ParquetError(m_path + ": column " + column.path + " points past the end of the file (truncated?); " + kFix);
    std::vector<std::uint8_t> chunk(static_cast<std::size_t>(meta.totalCompressedSize));
    readAt(static_cast<std::uint64_t>(start), chunk.data(), chunk.size());
    try {
        return decodeColumnChunk(chunk.data(), chunk.size(), static_cast<std::uint64_t>(start), meta, column, options);
    } catch (const ParquetUnsupported& e) {
        throw ParquetUnsupported(m_path + ": " + e.what());
    } catch (const ParquetError& e) {
        throw ParquetError(m_path + " (row group " + std::to_string(rowGroup) + "): " + e.what() + "; " + kFix);
    }
}

std::string ParquetFile::readValue(const ValueLocation& where) const {
    std::string out;
    if (readValueFast(where, [this](std::uint64_t off, void* buf, std::size_t n) { readAt(off, buf, n); }, out))
        return out;
    std::vector<std::uint8_t> body(where.compressedBytes), decoded;
    readAt(where.bodyOffset, body.data(), body.size());
    try {
        decodePageBody(body.data(), where, decoded);
    } catch (const ParquetError& e) {
        throw ParquetError(m_path + ": " + e.what() + "; " + kFix);
    }
    if (static_cast<std::uint64_t>(where.offset) + where.length > decoded.size())
        throw ParquetError(m_path + ": a recorded value lies outside its page; the index is stale — delete it to rebuild");
    out.assign(reinterpret_cast<const char*>(decoded.data()) + where.offset, where.length);
    return out;
}

}  // namespace studio::parquet
