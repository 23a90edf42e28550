#include "base/parquet/parquet_metadata.h"

#include "base/parquet/thrift_compact.h"

namespace studio::parquet {

const char* toString(PhysicalType t) {
    switch (t) {
        case PhysicalType::Boolean: return "BOOLEAN";
        case PhysicalType::Int32: return "INT32";
        case PhysicalType::Int64: return "INT64";
        case PhysicalType::Int96: return "INT96";
        case PhysicalType::Float: return "FLOAT";
        case PhysicalType::Double: return "DOUBLE";
        case PhysicalType::ByteArray: return "BYTE_ARRAY";
        case PhysicalType::FixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY";
    }
    return "UNKNOWN";
}

const char* toString(Codec c) {
    switch (c) {
        case Codec::Uncompressed: return "UNCOMPRESSED";
        case Codec::Snappy: return "SNAPPY";
        case Codec::Gzip: return "GZIP";
        case Codec::Lzo: return "LZO";
        case Codec::Brotli: return "BROTLI";
        case Codec::Lz4: return "LZ4";
        case Codec::Zstd: return "ZSTD";
        case Codec::Lz4Raw: return "LZ4_RAW";
    }
    return "UNKNOWN";
}

const char* toString(Encoding e) {
    switch (e) {
        case Encoding::Plain: return "PLAIN";
        case Encoding::PlainDictionary: return "PLAIN_DICTIONARY";
        case Encoding::Rle: return "RLE";
        case Encoding::BitPacked: return "BIT_PACKED";
        case Encoding::DeltaBinaryPacked: return "DELTA_BINARY_PACKED";
        case Encoding::DeltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY";
        case Encoding::DeltaByteArray: return "DELTA_BYTE_ARRAY";
        case Encoding::RleDictionary: return "RLE_DICTIONARY";
        case Encoding::ByteStreamSplit: return "BYTE_STREAM_SPLIT";
    }
    return "UNKNOWN";
}

namespace {

template <typename Fn>
void readStruct(CompactReader& r, Fn&& onField) {
    r.beginStruct();
    std::int16_t id;
    TType t;
    while (r.nextField(id, t)) onField(id, t);
    r.endStruct();
}

template <typename Fn>
void readList(CompactReader& r, TType t, Fn&& onElement) {
    if (t != TType::List) {
        r.skip(t);
        return;
    }
    TType et;
    const std::uint32_t n = r.readListHeader(et);
    for (std::uint32_t i = 0; i < n; ++i) onElement(et);
}

SchemaElement readSchemaElement(CompactReader& r) {
    SchemaElement s;
    readStruct(r, [&](std::int16_t id, TType t) {
        switch (id) {
            case 1: s.type = static_cast<PhysicalType>(r.readI32()); break;
            case 2: s.typeLength = r.readI32(); break;
            case 3: s.repetition = static_cast<Repetition>(r.readI32()); break;
            case 4: s.name = r.readBinary(); break;
            case 5: s.numChildren = r.readI32(); break;
            case 6: s.convertedType = r.readI32(); break;
            case 10:  // LogicalType union: 1 STRING, 3 LIST
                readStruct(r, [&](std::int16_t lid, TType lt) {
                    if (lid == 1) s.logicalString = true;
                    if (lid == 3) s.logicalList = true;
                    r.skip(lt);
                });
                break;
            default: r.skip(t);
        }
    });
    return s;
}

ColumnMetaData readColumnMetaData(CompactReader& r) {
    ColumnMetaData m;
    readStruct(r, [&](std::int16_t id, TType t) {
        switch (id) {
            case 1: m.type = static_cast<PhysicalType>(r.readI32()); break;
            case 2: readList(r, t, [&](TType) { m.encodings.push_back(static_cast<Encoding>(r.readI32())); }); break;
            case 3: readList(r, t, [&](TType) { m.pathInSchema.push_back(r.readBinary()); }); break;
            case 4: m.codec = static_cast<Codec>(r.readI32()); break;
            case 5: m.numValues = r.readI64(); break;
            case 6: m.totalUncompressedSize = r.readI64(); break;
            case 7: m.totalCompressedSize = r.readI64(); break;
            case 9: m.dataPageOffset = r.readI64(); break;
            case 11: m.dictionaryPageOffset = r.readI64(); break;
            default: r.skip(t);
        }
    });
    return m;
}

ColumnChunk readColumnChunk(CompactReader& r) {
    ColumnChunk c;
    readStruct(r, [&](std::int16_t id, TType t) {
        switch (id) {
            case 1: c.filePath = r.readBinary(); break;
            case 2: c.fileOffset = r.readI64(); break;
            case 3: c.meta = readColumnMetaData(r); break;
            case 8:
            case 9: c.encrypted = true; r.skip(t); break;
            default: r.skip(t);
        }
    });
    return c;
}

RowGroup readRowGroup(CompactReader& r) {
    RowGroup g;
    readStruct(r, [&](std::int16_t id, TType t) {
        switch (id) {
            case 1: readList(r, t, [&](TType) { g.columns.push_back(readColumnChunk(r)); }); break;
            case 3: g.numRows = r.readI64(); break;
            default: r.skip(t);
        }
    });
    return g;
}

}  // namespace

FileMetaData parseFileMetaData(const std::uint8_t* data, std::size_t size) {
    CompactReader r(data, size);
    FileMetaData fm;
    readStruct(r, [&](std::int16_t id, TType t) {
        switch (id) {
            case 1: fm.version = r.readI32(); break;
            case 2: readList(r, t, [&](TType) { fm.schema.push_back(readSchemaElement(r)); }); break;
            case 3: fm.numRows = r.readI64(); break;
            case 4: readList(r, t, [&](TType) { fm.rowGroups.push_back(readRowGroup(r)); }); break;
            case 5:
                readList(r, t, [&](TType) {
                    std::pair<std::string, std::string> kv;
                    readStruct(r, [&](std::int16_t kid, TType kt) {
                        if (kid == 1) kv.first = r.readBinary();
                        else if (kid == 2) kv.second = r.readBinary();
                        else r.skip(kt);
                    });
                    fm.keyValues.push_back(std::move(kv));
                });
                break;
            case 6: fm.createdBy = r.readBinary(); break;
            case 8:
            case 9: fm.encrypted = true; r.skip(t); break;
            default: r.skip(t);
        }
    });
    return fm;
}

PageHeader parsePageHeader(const std::uint8_t* data, std::size_t size) {
    CompactReader r(data, size);
    PageHeader h;
    readStruct(r, [&](std::int16_t id, TType t) {
        switch (id) {
            case 1: h.type = static_cast<PageType>(r.readI32()); break;
            case 2: h.uncompressedSize = r.readI32(); break;
            case 3: h.compressedSize = r.readI32(); break;
            case 5: {
                DataPageHeader d;
                readStruct(r, [&](std::int16_t did, TType dt) {
                    switch (did) {
                        case 1: d.numValues = r.readI32(); break;
                        case 2: d.encoding = static_cast<Encoding>(r.readI32()); break;
                        case 3: d.defEncoding = static_cast<Encoding>(r.readI32()); break;
                        case 4: d.repEncoding = static_cast<Encoding>(r.readI32()); break;
                        default: r.skip(dt);
                    }
                });
                h.dataPage = d;
                break;
            }
            case 7: {
                DictionaryPageHeader d;
                readStruct(r, [&](std::int16_t did, TType dt) {
                    if (did == 1) d.numValues = r.readI32();
                    else if (did == 2) d.encoding = static_cast<Encoding>(r.readI32());
                    else r.skip(dt);
                });
                h.dictionaryPage = d;
                break;
            }
            case 8: {
                DataPageHeaderV2 d;
                readStruct(r, [&](std::int16_t did, TType dt) {
                    switch (did) {
                        case 1: d.numValues = r.readI32(); break;
                        case 2: d.numNulls = r.readI32(); break;
                        case 3: d.numRows = r.readI32(); break;
                        case 4: d.encoding = static_cast<Encoding>(r.readI32()); break;
                        case 5: d.defLevelsBytes = r.readI32(); break;
                        case 6: d.repLevelsBytes = r.readI32(); break;
                        case 7: d.isCompressed = r.fieldBool(dt); break;
                        default: r.skip(dt);
                    }
                });
                h.dataPageV2 = d;
                break;
            }
            default: r.skip(t);
        }
    });
    h.headerSize = r.offset();
    if (h.compressedSize < 0 || h.uncompressedSize < 0) throw ParquetError("malformed page header (negative size)");
    return h;
}

}  // namespace studio::parquet
