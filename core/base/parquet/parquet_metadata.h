#pragma once
// Parquet's footer and page headers (parquet.thrift), the fields this reader uses, decoded from Thrift
// compact bytes. Unknown fields are skipped, as Thrift intends.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace studio::parquet {

enum class PhysicalType : std::int32_t {
    Boolean = 0, Int32 = 1, Int64 = 2, Int96 = 3, Float = 4, Double = 5, ByteArray = 6, FixedLenByteArray = 7,
};
enum class Repetition : std::int32_t { Required = 0, Optional = 1, Repeated = 2 };
enum class Codec : std::int32_t { Uncompressed = 0, Snappy = 1, Gzip = 2, Lzo = 3, Brotli = 4, Lz4 = 5, Zstd = 6, Lz4Raw = 7 };
enum class Encoding : std::int32_t {
    Plain = 0, PlainDictionary = 2, Rle = 3, BitPacked = 4, DeltaBinaryPacked = 5, DeltaLengthByteArray = 6,
    DeltaByteArray = 7, RleDictionary = 8, ByteStreamSplit = 9,
};
enum class PageType : std::int32_t { DataPage = 0, IndexPage = 1, DictionaryPage = 2, DataPageV2 = 3 };

const char* toString(PhysicalType t);
const char* toString(Codec c);
const char* toString(Encoding e);

struct SchemaElement {
    std::optional<PhysicalType> type;      // leaves only
    std::int32_t typeLength = 0;
    std::optional<Repetition> repetition;  // absent on the root
    std::string name;
    std::int32_t numChildren = 0;
    std::optional<std::int32_t> convertedType;
    bool logicalList = false;              // LogicalType LIST
    bool logicalString = false;            // LogicalType STRING
};

struct ColumnMetaData {
    PhysicalType type = PhysicalType::Int32;
    std::vector<Encoding> encodings;
    std::vector<std::string> pathInSchema;
    Codec codec = Codec::Uncompressed;
    std::int64_t numValues = 0;
    std::int64_t totalUncompressedSize = 0;
    std::int64_t totalCompressedSize = 0;
    std::int64_t dataPageOffset = 0;
    std::optional<std::int64_t> dictionaryPageOffset;
};

struct ColumnChunk {
    std::string filePath;                  // set when the data lives in another file (unsupported)
    std::int64_t fileOffset = 0;
    std::optional<ColumnMetaData> meta;
    bool encrypted = false;
};

struct RowGroup {
    std::vector<ColumnChunk> columns;
    std::int64_t numRows = 0;
};

struct FileMetaData {
    std::int32_t version = 0;
    std::vector<SchemaElement> schema;     // depth-first, root first
    std::int64_t numRows = 0;
    std::vector<RowGroup> rowGroups;
    std::vector<std::pair<std::string, std::string>> keyValues;
    std::string createdBy;
    bool encrypted = false;
};

struct DataPageHeader {
    std::int32_t numValues = 0;
    Encoding encoding = Encoding::Plain;
    Encoding defEncoding = Encoding::Rle;
    Encoding repEncoding = Encoding::Rle;
};

struct DataPageHeaderV2 {
    std::int32_t numValues = 0;
    std::int32_t numNulls = 0;
    std::int32_t numRows = 0;
    Encoding encoding = Encoding::Plain;
    std::int32_t defLevelsBytes = 0;
    std::int32_t repLevelsBytes = 0;
    bool isCompressed = true;
};

struct DictionaryPageHeader {
    std::int32_t numValues = 0;
    Encoding encoding = Encoding::Plain;
};

struct PageHeader {
    PageType type = PageType::DataPage;
    std::int32_t uncompressedSize = 0;
    std::int32_t compressedSize = 0;
    std::optional<DataPageHeader> dataPage;
    std::optional<DataPageHeaderV2> dataPageV2;
    std::optional<DictionaryPageHeader> dictionaryPage;
    std::size_t headerSize = 0;            // bytes of the Thrift header itself
};

/// Decodes the footer's FileMetaData. Throws ParquetError on malformed bytes.
FileMetaData parseFileMetaData(const std::uint8_t* data, std::size_t size);
/// Decodes a page header at the start of `data` (sets headerSize). Throws ParquetError.
PageHeader parsePageHeader(const std::uint8_t* data, std::size_t size);

}  // namespace studio::parquet
