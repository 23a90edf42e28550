#pragma once
// A Parquet file opened for reading: footer, schema, and column chunks decoded on request. Errors name
// the file and, for data, the column. Reading is thread-safe (pread on one descriptor).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/parquet/column_reader.h"
#include "base/parquet/parquet_metadata.h"
#include "base/parquet/parquet_schema.h"

namespace studio::parquet {

class ParquetFile {
public:
    /// Opens `path` and reads its footer. Throws ParquetError naming the file when it is missing, not
    /// Parquet, truncated, encrypted, or its metadata is corrupt.
    static std::unique_ptr<ParquetFile> open(const std::string& path);
    ~ParquetFile();
    ParquetFile(const ParquetFile&) = delete;
    ParquetFile& operator=(const ParquetFile&) = delete;

    const std::string& path() const { return m_path; }
    std::uint64_t fileSize() const { return m_size; }
    const FileMetaData& metadata() const { return m_meta; }
    const Schema& schema() const { return m_schema; }
    std::size_t numRowGroups() const { return m_meta.rowGroups.size(); }
    std::int64_t numRows() const { return m_meta.numRows; }
    /// Value of a footer key (e.g. "huggingface", "ARROW:schema"), "" when absent.
    std::string keyValue(const std::string& key) const;

    /// Decodes one column chunk. Throws ParquetError/ParquetUnsupported naming file and column.
    ColumnValues readColumn(std::size_t rowGroup, const ColumnDescriptor& column,
                            const ColumnReadOptions& options = {}) const;
    /// The bytes of one byte-array value recorded by readColumn(recordLocations). Any thread.
    std::string readValue(const ValueLocation& where) const;

    /// Reads `size` bytes at `offset` exactly; throws ParquetError naming the file otherwise.
    void readAt(std::uint64_t offset, void* out, std::size_t size) const;

private:
    ParquetFile() = default;
    std::string m_path;
    int m_fd = -1;
    std::uint64_t m_size = 0;
    FileMetaData m_meta;
    Schema m_schema;
};

}  // namespace studio::parquet
