#include "base/parquet/column_reader.h"

#include <algorithm>
#include <cstring>

#include "base/parquet/codec.h"
#include "base/parquet/encodings.h"
#include "base/parquet/parquet_error.h"
#include "base/parquet/snappy_seek.h"

namespace studio::parquet {

std::size_t ColumnValues::numValues() const {
    switch (type) {
        case PhysicalType::Float:
        case PhysicalType::Double: return reals.size();
        case PhysicalType::ByteArray:
        case PhysicalType::FixedLenByteArray: return offsets.size() - 1;
        default: return ints.size();
    }
}

void decodePageBody(const std::uint8_t* body, const ValueLocation& where, std::vector<std::uint8_t>& out) {
    out.clear();
    if (where.levelBytes > where.compressedBytes) throw ParquetError("page levels are larger than the page");
    out.insert(out.end(), body, body + where.levelBytes);
    decompress(where.codec, body + where.levelBytes, where.compressedBytes - where.levelBytes,
               where.uncompressedBytes - where.levelBytes, out);
}

bool readValueFast(const ValueLocation& where, const std::function<void(std::uint64_t, void*, std::size_t)>& readAt,
                   std::string& out) {
    out.clear();
    if (where.direct()) {
        out.resize(where.length);
        readAt(where.bodyOffset + where.offset, out.data(), out.size());
        return true;
    }
    if (where.codec != Codec::Snappy || where.seekCompressed == 0 || where.offset < where.levelBytes) return false;
    const std::uint64_t begin = where.offset - where.levelBytes, end = begin + where.length;
    const std::uint64_t streamBytes = where.compressedBytes - where.levelBytes;
    if (where.seekCompressed >= streamBytes) return false;
    const std::uint64_t want = std::min<std::uint64_t>(streamBytes - where.seekCompressed,
                                                       snappyMaxCompressed(end - where.seekUncompressed));
    std::vector<std::uint8_t> slice(static_cast<std::size_t>(want));
    readAt(where.bodyOffset + where.levelBytes + where.seekCompressed, slice.data(), slice.size());
    return snappyDecodeRange(slice.data(), slice.size(), {where.seekCompressed, where.seekUncompressed}, begin, end, out);
}

namespace {

// Gives the locations recorded for one SNAPPY page a point to start decoding from.
void addSeekPoints(const std::uint8_t* body, const ValueLocation& where, std::vector<ValueLocation>& locs,
                   std::size_t from) {
    if (where.codec != Codec::Snappy || from >= locs.size()) return;
    const auto points = snappySeekPoints(body + where.levelBytes, where.compressedBytes - where.levelBytes);
    for (std::size_t i = from; i < locs.size(); ++i) {
        if (locs[i].offset < where.levelBytes || points.empty()) continue;
        const std::uint64_t start = locs[i].offset - where.levelBytes;
        std::size_t k = points.size() - 1;
        while (k > 0 && points[k].uncompressed > start) --k;
        locs[i].seekCompressed = points[k].compressed;
        locs[i].seekUncompressed = points[k].uncompressed;
    }
}

std::uint32_t readU32(const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

struct Decoder {
    const ColumnDescriptor& col;
    const ColumnReadOptions& opt;
    ColumnValues& out;

    void appendBytes(const std::uint8_t* p, std::size_t n, const ValueLocation* where, std::size_t offsetInBody) {
        if (opt.keepBytes) out.bytes.insert(out.bytes.end(), p, p + n);
        out.offsets.push_back(out.offsets.back() + n);
        if (opt.recordLocations) {
            ValueLocation loc = where ? *where : ValueLocation{};
            loc.offset = static_cast<std::uint32_t>(offsetInBody);
            loc.length = static_cast<std::uint32_t>(n);
            out.locations.push_back(loc);
        }
    }

    // PLAIN values from [p, end); `bodyStart` anchors byte-array locations.
    void plain(const std::uint8_t* p, const std::uint8_t* end, std::size_t n, const ValueLocation& where,
               const std::uint8_t* bodyStart) {
        auto need = [&](std::size_t bytes) {
            if (static_cast<std::size_t>(end - p) < bytes) throw ParquetError("values end early (truncated page)");
        };
        switch (col.type) {
            case PhysicalType::Boolean:
                need((n + 7) / 8);
                for (std::size_t i = 0; i < n; ++i) out.ints.push_back((p[i / 8] >> (i % 8)) & 1);
                return;
            case PhysicalType::Int32:
                need(n * 4);
                for (std::size_t i = 0; i < n; ++i) out.ints.push_back(static_cast<std::int32_t>(readU32(p + 4 * i)));
                return;
            case PhysicalType::Int64:
                need(n * 8);
                for (std::size_t i = 0; i < n; ++i) {
                    std::int64_t v;
                    std::memcpy(&v, p + 8 * i, 8);
                    out.ints.push_back(v);
                }
                return;
            case PhysicalType::Float:
                need(n * 4);
                for (std::size_t i = 0; i < n; ++i) {
                    float v;
                    std::memcpy(&v, p + 4 * i, 4);
                    out.reals.push_back(v);
                }
                return;
            case PhysicalType::Double:
                need(n * 8);
                for (std::size_t i = 0; i < n; ++i) {
                    double v;
                    std::memcpy(&v, p + 8 * i, 8);
                    out.reals.push_back(v);
                }
                return;
            case PhysicalType::ByteArray:
                for (std::size_t i = 0; i < n; ++i) {
                    need(4);
                    const std::uint32_t len = readU32(p);
                    need(4 + static_cast<std::size_t>(len));
                    appendBytes(p + 4, len, &where, static_cast<std::size_t>(p + 4 - bodyStart));
                    p += 4 + len;
                }
                return;
            case PhysicalType::FixedLenByteArray: {
                const auto len = static_cast<std::size_t>(col.typeLength);
                need(n * len);
                for (std::size_t i = 0; i < n; ++i) appendBytes(p + i * len, len, &where, static_cast<std::size_t>(p + i * len - bodyStart));
                return;
            }
            case PhysicalType::Int96: break;
        }
        throw ParquetUnsupported("physical type INT96 (legacy timestamps) is not supported");
    }

    void fromDictionary(const ColumnValues& dict, const std::uint32_t* idx, std::size_t n) {
        const std::size_t size = dict.numValues();
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t k = idx[i];
            if (k >= size) throw ParquetError("dictionary index out of range (corrupt page)");
            switch (col.type) {
                case PhysicalType::Float:
                case PhysicalType::Double: out.reals.push_back(dict.reals[k]); break;
                case PhysicalType::ByteArray:
                case PhysicalType::FixedLenByteArray: {
                    const std::size_t len = dict.byteLength(k);
                    if (opt.keepBytes) out.bytes.insert(out.bytes.end(), dict.bytes.begin() + static_cast<std::ptrdiff_t>(dict.offsets[k]),
                                                        dict.bytes.begin() + static_cast<std::ptrdiff_t>(dict.offsets[k] + len));
                    out.offsets.push_back(out.offsets.back() + len);
                    if (opt.recordLocations) out.locations.push_back(dict.locations[k]);
                    break;
                }
                default: out.ints.push_back(dict.ints[k]);
            }
        }
    }

    void values(Encoding enc, const std::uint8_t* p, const std::uint8_t* end, std::size_t n, const ValueLocation& where,
                const std::uint8_t* bodyStart, const ColumnValues* dict) {
        const std::size_t avail = static_cast<std::size_t>(end - p);
        switch (enc) {
            case Encoding::Plain: plain(p, end, n, where, bodyStart); return;
            case Encoding::PlainDictionary:
            case Encoding::RleDictionary: {
                if (!dict) throw ParquetError("dictionary-encoded page without a dictionary page");
                if (n == 0) return;
                if (avail < 1) throw ParquetError("values end early (truncated page)");
                std::vector<std::uint32_t> idx(n);
                decodeRleHybrid(p + 1, avail - 1, p[0], n, idx.data());
                fromDictionary(*dict, idx.data(), n);
                return;
            }
            case Encoding::Rle: {
                if (col.type != PhysicalType::Boolean) break;
                if (avail < 4) throw ParquetError("values end early (truncated page)");
                std::vector<std::uint32_t> bits(n);
                decodeRleHybrid(p + 4, std::min<std::size_t>(readU32(p), avail - 4), 1, n, bits.data());
                for (auto b : bits) out.ints.push_back(b);
                return;
            }
            case Encoding::DeltaBinaryPacked:
                if (col.type != PhysicalType::Int32 && col.type != PhysicalType::Int64) break;
                decodeDeltaBinaryPacked(p, avail, n, out.ints);
                return;
            case Encoding::DeltaLengthByteArray: {
                if (col.type != PhysicalType::ByteArray) break;
                std::vector<std::int64_t> lens;
                const std::uint8_t* q = p + decodeDeltaBinaryPacked(p, avail, n, lens);
                for (std::int64_t len : lens) {
                    if (len < 0 || static_cast<std::size_t>(end - q) < static_cast<std::size_t>(len))
                        throw ParquetError("values end early (truncated page)");
                    appendBytes(q, static_cast<std::size_t>(len), &where, static_cast<std::size_t>(q - bodyStart));
                    q += len;
                }
                return;
            }
            case Encoding::DeltaByteArray: {
                if (col.type != PhysicalType::ByteArray && col.type != PhysicalType::FixedLenByteArray) break;
                if (opt.recordLocations)
                    throw ParquetUnsupported("column " + col.path + " uses DELTA_BYTE_ARRAY, whose values cannot be "
                                             "read one at a time; rewrite the file with PLAIN or dictionary encoding");
                std::vector<std::int64_t> prefixes, lens;
                std::size_t used = decodeDeltaBinaryPacked(p, avail, n, prefixes);
                const std::uint8_t* q = p + used;
                q += decodeDeltaBinaryPacked(q, static_cast<std::size_t>(end - q), n, lens);
                std::string prev;
                for (std::size_t i = 0; i < n; ++i) {
                    if (prefixes[i] < 0 || lens[i] < 0 || static_cast<std::size_t>(prefixes[i]) > prev.size() ||
                        static_cast<std::size_t>(end - q) < static_cast<std::size_t>(lens[i]))
                        throw ParquetError("malformed DELTA_BYTE_ARRAY data");
                    std::string v = prev.substr(0, static_cast<std::size_t>(prefixes[i]));
                    v.append(reinterpret_cast<const char*>(q), static_cast<std::size_t>(lens[i]));
                    q += lens[i];
                    appendBytes(reinterpret_cast<const std::uint8_t*>(v.data()), v.size(), nullptr, 0);
                    prev = std::move(v);
                }
                return;
            }
            default: break;
        }
        throw ParquetUnsupported("encoding " + std::string(toString(enc)) + " for a " + toString(col.type) +
                                 " column is not supported (supported: PLAIN, dictionary, RLE booleans, DELTA_*)");
    }
};

// Levels of a v1 page: RLE with a 4-byte length prefix. Returns bytes consumed.
std::size_t levelsV1(const std::uint8_t* p, std::size_t avail, Encoding enc, int maxLevel, std::size_t n,
                     std::vector<std::uint16_t>& out) {
    if (enc != Encoding::Rle)
        throw ParquetUnsupported("level encoding " + std::string(toString(enc)) + " is not supported (only RLE)");
    if (avail < 4) throw ParquetError("levels end early (truncated page)");
    const std::uint32_t len = readU32(p);
    if (len > avail - 4) throw ParquetError("levels end early (truncated page)");
    std::vector<std::uint32_t> tmp(n);
    decodeRleHybrid(p + 4, len, bitWidthFor(static_cast<std::uint32_t>(maxLevel)), n, tmp.data());
    for (auto v : tmp) {
        if (v > static_cast<std::uint32_t>(maxLevel)) throw ParquetError("level above its maximum (corrupt page)");
        out.push_back(static_cast<std::uint16_t>(v));
    }
    return 4 + len;
}

void levelsRaw(const std::uint8_t* p, std::size_t len, int maxLevel, std::size_t n, std::vector<std::uint16_t>& out) {
    std::vector<std::uint32_t> tmp(n);
    decodeRleHybrid(p, len, bitWidthFor(static_cast<std::uint32_t>(maxLevel)), n, tmp.data());
    for (auto v : tmp) {
        if (v > static_cast<std::uint32_t>(maxLevel)) throw ParquetError("level above its maximum (corrupt page)");
        out.push_back(static_cast<std::uint16_t>(v));
    }
}

std::size_t countPresent(const std::vector<std::uint16_t>& def, std::size_t from, int maxDef) {
    return static_cast<std::size_t>(std::count(def.begin() + static_cast<std::ptrdiff_t>(from), def.end(), maxDef));
}

}  // namespace

ColumnValues decodeColumnChunk(const std::uint8_t* chunk, std::size_t size, std::uint64_t chunkOffset,
                               const ColumnMetaData& meta, const ColumnDescriptor& column,
                               const ColumnReadOptions& options) {
    ColumnValues out;
    out.type = column.type;
    ColumnValues dict;
    dict.type = column.type;
    bool haveDict = false;
    ColumnReadOptions dictOptions{true, options.recordLocations};
    Decoder dec{column, options, out};
    Decoder dictDec{column, dictOptions, dict};
    std::vector<std::uint8_t> body;
    std::size_t pos = 0;
    try {
        while (out.numLevels < static_cast<std::size_t>(meta.numValues)) {
            if (pos >= size) throw ParquetError("the column chunk ends before all its values (truncated file)");
            const PageHeader ph = parsePageHeader(chunk + pos, size - pos);
            const std::size_t bodyStart = pos + ph.headerSize;
            if (static_cast<std::size_t>(ph.compressedSize) > size - bodyStart)
                throw ParquetError("a page runs past the end of its column chunk (truncated file)");
            ValueLocation where;
            where.bodyOffset = chunkOffset + bodyStart;
            where.compressedBytes = static_cast<std::uint32_t>(ph.compressedSize);
            where.uncompressedBytes = static_cast<std::uint32_t>(ph.uncompressedSize);
            where.codec = meta.codec;
            pos = bodyStart + static_cast<std::size_t>(ph.compressedSize);
            if (ph.type == PageType::IndexPage) continue;
            if (ph.type == PageType::DataPageV2) {
                if (!ph.dataPageV2) throw ParquetError("data page v2 without its header");
                const auto& h = *ph.dataPageV2;
                if (h.defLevelsBytes < 0 || h.repLevelsBytes < 0) throw ParquetError("negative level sizes in a page");
                where.levelBytes = static_cast<std::uint32_t>(h.defLevelsBytes + h.repLevelsBytes);
                if (!h.isCompressed) where.codec = Codec::Uncompressed;
            }
            decodePageBody(chunk + bodyStart, where, body);
            const std::uint8_t* b = body.data();
            const std::uint8_t* e = b + body.size();
            if (ph.type == PageType::DictionaryPage) {
                if (!ph.dictionaryPage) throw ParquetError("dictionary page without its header");
                const auto enc = ph.dictionaryPage->encoding;
                if (enc != Encoding::Plain && enc != Encoding::PlainDictionary)
                    throw ParquetUnsupported("dictionary page encoding " + std::string(toString(enc)));
                dict = ColumnValues{};
                dict.type = column.type;
                dictDec.plain(b, e, static_cast<std::size_t>(ph.dictionaryPage->numValues), where, b);
                if (options.recordLocations) addSeekPoints(chunk + bodyStart, where, dict.locations, 0);
                haveDict = true;
                continue;
            }
            std::size_t n = 0, present = 0;
            const std::uint8_t* v = b;
            Encoding enc = Encoding::Plain;
            const std::size_t defFrom = out.defLevels.size();
            if (ph.type == PageType::DataPage) {
                if (!ph.dataPage) throw ParquetError("data page without its header");
                n = static_cast<std::size_t>(ph.dataPage->numValues);
                enc = ph.dataPage->encoding;
                if (column.maxRep > 0)
                    v += levelsV1(v, static_cast<std::size_t>(e - v), ph.dataPage->repEncoding, column.maxRep, n, out.repLevels);
                if (column.maxDef > 0)
                    v += levelsV1(v, static_cast<std::size_t>(e - v), ph.dataPage->defEncoding, column.maxDef, n, out.defLevels);
            } else if (ph.type == PageType::DataPageV2) {
                const auto& h = *ph.dataPageV2;
                n = static_cast<std::size_t>(h.numValues);
                enc = h.encoding;
                if (column.maxRep > 0) levelsRaw(v, static_cast<std::size_t>(h.repLevelsBytes), column.maxRep, n, out.repLevels);
                v += h.repLevelsBytes;
                if (column.maxDef > 0) levelsRaw(v, static_cast<std::size_t>(h.defLevelsBytes), column.maxDef, n, out.defLevels);
                v += h.defLevelsBytes;
            } else {
                throw ParquetUnsupported("page type " + std::to_string(static_cast<int>(ph.type)));
            }
            present = column.maxDef > 0 ? countPresent(out.defLevels, defFrom, column.maxDef) : n;
            const std::size_t firstLocation = out.locations.size();
            dec.values(enc, v, e, present, where, b, haveDict ? &dict : nullptr);
            if (options.recordLocations && enc != Encoding::PlainDictionary && enc != Encoding::RleDictionary)
                addSeekPoints(chunk + bodyStart, where, out.locations, firstLocation);
            out.numLevels += n;
        }
    } catch (const ParquetUnsupported& ex) {
        throw ParquetUnsupported("column " + column.path + ": " + ex.what());
    } catch (const ParquetError& ex) {
        throw ParquetError("column " + column.path + ": " + ex.what());
    }
    return out;
}

}  // namespace studio::parquet
