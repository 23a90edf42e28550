// The Parquet reader on files written by an independent writer (arrow-rs via parquet-wasm, see
// tests/data/parquet/generate.mjs): snappy/zstd/gzip/uncompressed, dictionary and plain pages, data page v1
// and v2, the CommonForms struct of lists, random access to single values, and broken files.
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "base/hf/hashing.h"
#include "base/parquet/encodings.h"
#include "base/parquet/nested.h"
#include "base/parquet/parquet_error.h"
#include "base/parquet/parquet_file.h"
#include "base/parquet/snappy_seek.h"
#include "base/parquet/thrift_compact.h"

#if __has_include(<snappy-c.h>)
#include <snappy-c.h>
#define HAVE_SNAPPY_C 1
#endif

#include <random>
#include "base/util/atomic_file.h"

using namespace studio;
using namespace studio::parquet;
using nlohmann::json;

namespace {
std::string fixture(const std::string& name) { return std::string(STUDIO_TEST_DATA_DIR) + "/parquet/" + name; }
json expected() { return json::parse(readFile(fixture("expected.json"))); }

const ColumnDescriptor& column(const ParquetFile& f, const std::string& path) {
    const ColumnDescriptor* c = f.schema().find(path);
    if (!c) throw std::runtime_error("no column " + path);
    return *c;
}
}  // namespace

class TestParquetReader : public QObject {
    Q_OBJECT

    // Reads every row of a CommonForms-shaped file and compares with expected.json.
    // arrow-rs names list elements "item" (pyarrow: "element"): the CommonForms reader must not care.
    void checkCommonFormsFile(const std::string& name, const std::string& objectsPrefix, const std::string& leaf,
                              bool randomAccess = true) {
        const json exp = expected()[name]["rows"];
        auto f = ParquetFile::open(fixture(name));
        QCOMPARE(f->numRows(), std::int64_t(exp.size()));
        const ColumnDescriptor bbox = column(*f, objectsPrefix + "bbox" + leaf + ".list.item");
        const ColumnDescriptor cat = column(*f, objectsPrefix + "category" + leaf);
        QCOMPARE(bbox.maxRep, 2);
        QCOMPARE(cat.maxRep, 1);
        std::size_t row = 0;
        for (std::size_t g = 0; g < f->numRowGroups(); ++g) {
            const auto ids = f->readColumn(g, column(*f, "id"));
            const auto names = f->readColumn(g, column(*f, "file_name"));
            const auto widths = f->readColumn(g, column(*f, "width"));
            const auto heights = f->readColumn(g, column(*f, "height"));
            ColumnReadOptions withLocations;
            withLocations.recordLocations = randomAccess;
            const auto images = f->readColumn(g, column(*f, "image.bytes"), withLocations);
            const auto paths = f->readColumn(g, column(*f, "image.path"));
            const auto boxValues = f->readColumn(g, bbox);
            const auto catValues = f->readColumn(g, cat);
            const NestedColumn boxes = assembleNested(boxValues, bbox, f->schema());
            const NestedColumn cats = assembleNested(catValues, cat, f->schema());
            const NestedColumn pathRows = assembleNested(paths, column(*f, "image.path"), f->schema());
            QCOMPARE(boxes.numRows, ids.ints.size());
            std::size_t pathValue = 0;
            for (std::size_t i = 0; i < ids.ints.size(); ++i, ++row) {
                const json& e = exp[row];
                QCOMPARE(ids.ints[i], e["id"].get<std::int64_t>());
                QCOMPARE(std::string(names.bytesAt(i)), e["file_name"].get<std::string>());
                QCOMPARE(widths.ints[i], e["width"].get<std::int64_t>());
                QCOMPARE(heights.ints[i], e["height"].get<std::int64_t>());
                QCOMPARE(hf::sha256Hex(images.bytesAt(i)), e["image_sha256"].get<std::string>());
                // Random access: the recorded location gives the same bytes back.
                if (randomAccess)
                    QCOMPARE(hf::sha256Hex(f->readValue(images.locations[i])), e["image_sha256"].get<std::string>());
                if (e["image_path"].is_null()) {
                    QCOMPARE(pathRows.valueIndex[i], std::int64_t(-1));
                } else {
                    QCOMPARE(std::string(paths.bytesAt(pathValue++)), e["image_path"].get<std::string>());
                }
                const auto [b0, b1] = boxes.range(0, i);
                QCOMPARE(std::size_t(b1 - b0), e["bbox"].size());
                const auto [c0, c1] = cats.range(0, i);
                QCOMPARE(std::size_t(c1 - c0), e["category"].size());
                for (std::uint64_t k = b0; k < b1; ++k) {
                    const auto [n0, n1] = boxes.range(1, k);
                    QCOMPARE(n1 - n0, std::uint64_t(4));
                    for (int j = 0; j < 4; ++j) {
                        const double got = boxValues.reals[static_cast<std::size_t>(boxes.valueIndex[n0 + j])];
                        QCOMPARE(got, e["bbox"][k - b0][j].get<double>());
                    }
                    QCOMPARE(catValues.ints[static_cast<std::size_t>(cats.valueIndex[c0 + (k - b0)])],
                             e["category"][k - b0].get<std::int64_t>());
                }
            }
        }
        QCOMPARE(row, exp.size());
    }

private slots:
    void thriftCompactFields() {
        // struct { 1: i32 = -3, 2: binary "ab", 4: bool true, 20 (long form): i64 = 300 } STOP
        const std::uint8_t bytes[] = {0x15, 0x05, 0x18, 0x02, 'a', 'b', 0x21, 0x06, 0x28, 0xD8, 0x04, 0x00};
        CompactReader r(bytes, sizeof bytes);
        std::int16_t id;
        TType t;
        r.beginStruct();
        QVERIFY(r.nextField(id, t));
        QCOMPARE(id, std::int16_t(1));
        QCOMPARE(r.readI32(), -3);
        QVERIFY(r.nextField(id, t));
        QCOMPARE(r.readBinary(), std::string("ab"));
        QVERIFY(r.nextField(id, t));
        QCOMPARE(id, std::int16_t(4));
        QVERIFY(r.fieldBool(t));
        QVERIFY(r.nextField(id, t));
        QCOMPARE(id, std::int16_t(20));
        QCOMPARE(r.readI64(), std::int64_t(300));
        QVERIFY(!r.nextField(id, t));
        const std::uint8_t cut[] = {0x15};
        CompactReader bad(cut, sizeof cut);
        bad.beginStruct();
        QVERIFY(bad.nextField(id, t));
        QVERIFY_THROWS_EXCEPTION(ParquetError, bad.readI32());
    }

    void rleHybridRunsAndBitPacking() {
        // RLE run of 5 x value 3 (width 2), then one bit-packed group of 8 values 0..7 (width 3).
        const std::uint8_t rle[] = {0x0A, 0x03};
        std::uint32_t out[8];
        decodeRleHybrid(rle, sizeof rle, 2, 5, out);
        for (int i = 0; i < 5; ++i) QCOMPARE(out[i], 3u);
        const std::uint8_t packed[] = {0x03, 0x88, 0xC6, 0xFA};
        decodeRleHybrid(packed, sizeof packed, 3, 8, out);
        for (std::uint32_t i = 0; i < 8; ++i) QCOMPARE(out[i], i);
        QVERIFY_THROWS_EXCEPTION(ParquetError, decodeRleHybrid(packed, 2, 3, 8, out));
    }

    void snappyRangesDecodeFromSeekPoints() {
#ifndef HAVE_SNAPPY_C
        QSKIP("libsnappy-dev is not installed");
#else
        // 300 kB with repeats (so the stream has copies) compressed by libsnappy.
        std::mt19937 rng(3);
        std::string data;
        while (data.size() < 300000) {
            if (rng() % 3 == 0 && data.size() > 100) data += data.substr(data.size() - 1 - rng() % 90, 20 + rng() % 60);
            else data += static_cast<char>('a' + rng() % 26);
        }
        std::string comp(snappy_max_compressed_length(data.size()), '\0');
        std::size_t n = comp.size();
        QCOMPARE(snappy_compress(data.data(), data.size(), comp.data(), &n), SNAPPY_OK);
        comp.resize(n);
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(comp.data());
        const auto points = snappySeekPoints(bytes, comp.size());
        QCOMPARE(points.size(), std::size_t(5));  // 0, 64k, 128k, 192k, 256k
        QCOMPARE(points[2].uncompressed, 131072u);
        for (std::uint64_t begin : {0ull, 70000ull, 131072ull, 200000ull, 299000ull}) {
            const std::uint64_t end = std::min<std::uint64_t>(data.size(), begin + 1000 + begin / 3);
            std::size_t k = points.size() - 1;
            while (points[k].uncompressed > begin) --k;
            std::string out;
            QVERIFY(snappyDecodeRange(bytes + points[k].compressed, comp.size() - points[k].compressed, points[k],
                                      begin, end, out));
            QVERIFY(out == data.substr(begin, end - begin));
        }
        // Starting mid-fragment, copies reach before the start: refused, never wrong bytes.
        std::string out;
        const SnappySeekPoint bogus{points[1].compressed, points[1].uncompressed + 1};
        QVERIFY(!snappyDecodeRange(bytes + points[1].compressed + 3, comp.size() - points[1].compressed - 3,
                                   bogus, bogus.uncompressed + 5000, bogus.uncompressed + 6000, out) ||
                out == data.substr(bogus.uncompressed + 5000, 1000));
        QVERIFY(!snappyDecodeRange(bytes + points[1].compressed, 10, points[1], points[1].uncompressed,
                                   points[1].uncompressed + 5000, out));  // too few bytes
#endif
    }

    void snappyDictionaryV1() { checkCommonFormsFile("train-00000-of-00002.parquet", "objects.", ".list.item"); }
    void zstdDictionaryV2() { checkCommonFormsFile("train-00001-of-00002.parquet", "objects.", ".list.item"); }
    void gzipPlain() { checkCommonFormsFile("valid-00000-of-00001.parquet", "objects.", ".list.item"); }
    void uncompressedPlainReadsImagesDirectly() {
        checkCommonFormsFile("test-00000-of-00001.parquet", "objects.", ".list.item");
        auto f = ParquetFile::open(fixture("test-00000-of-00001.parquet"));
        ColumnReadOptions o;
        o.recordLocations = true;
        o.keepBytes = false;
        const auto images = f->readColumn(0, column(*f, "image.bytes"), o);
        QVERIFY(images.bytes.empty());
        QVERIFY(images.locations[0].direct());
    }
    void listOfStructs() { checkCommonFormsFile("list_of_struct.parquet", "objects.list.item.", ""); }
    void deltaEncodingsOfV2Pages() {
        // DELTA_BYTE_ARRAY values are rebuilt from their neighbours: readable, but not one at a time.
        checkCommonFormsFile("delta_v2.parquet", "objects.", ".list.item", false);
        auto f = ParquetFile::open(fixture("delta_v2.parquet"));
        ColumnReadOptions o;
        o.recordLocations = true;
        QVERIFY_THROWS_EXCEPTION(ParquetUnsupported, f->readColumn(0, column(*f, "image.bytes"), o));
    }

    void metadataAndSchema() {
        auto f = ParquetFile::open(fixture("train-00000-of-00002.parquet"));
        QCOMPARE(f->numRowGroups(), std::size_t(3));  // 7 rows in groups of 3
        QVERIFY(f->keyValue("huggingface").find("ClassLabel") != std::string::npos);
        const auto top = f->schema().topLevelNames();
        QCOMPARE(top.size(), std::size_t(7));
        QCOMPARE(top[6], std::string("objects"));
        QVERIFY(f->schema().find("objects.segmentation.list.item.list.item.list.item"));
        QCOMPARE(f->schema().find("objects.segmentation.list.item.list.item.list.item")->maxRep, 3);
    }

    void unsupportedCodecIsNamed() {
        auto f = ParquetFile::open(fixture("brotli.parquet"));
        try {
            f->readColumn(0, column(*f, "id"));
            QFAIL("brotli is not supported");
        } catch (const ParquetUnsupported& e) {
            const std::string m = e.what();
            QVERIFY2(m.find("BROTLI") != std::string::npos, m.c_str());
            QVERIFY(m.find("brotli.parquet") != std::string::npos);
            QVERIFY(m.find("zstd") != std::string::npos);
        }
    }

    void truncatedAndCorruptFilesAreRefused() {
        QTemporaryDir dir;
        const std::string bytes = readFile(fixture("valid-00000-of-00001.parquet"));
        const std::string half = dir.path().toStdString() + "/half.parquet";
        writeFileAtomic(half, bytes.substr(0, bytes.size() / 2));
        try {
            ParquetFile::open(half);
            QFAIL("truncated");
        } catch (const ParquetError& e) {
            QVERIFY(std::string(e.what()).find("half.parquet") != std::string::npos);
            QVERIFY(std::string(e.what()).find("truncated") != std::string::npos);
        }
        QVERIFY_THROWS_EXCEPTION(ParquetError, ParquetFile::open(dir.path().toStdString() + "/missing.parquet"));
        const std::string text = dir.path().toStdString() + "/text.parquet";
        writeFileAtomic(text, "id,label\n1,2\n");
        QVERIFY_THROWS_EXCEPTION(ParquetError, ParquetFile::open(text));

        // Garbage in the footer's metadata.
        std::string badFooter = bytes;
        std::uint32_t footerLen;
        std::memcpy(&footerLen, badFooter.data() + badFooter.size() - 8, 4);
        for (std::size_t i = badFooter.size() - 8 - footerLen; i < badFooter.size() - 8; i += 3) badFooter[i] = '\xFF';
        const std::string corrupt = dir.path().toStdString() + "/corrupt.parquet";
        writeFileAtomic(corrupt, badFooter);
        QVERIFY_THROWS_EXCEPTION(ParquetError, ParquetFile::open(corrupt));

        // Garbage inside the compressed pages: gzip's checksum catches it.
        auto good = ParquetFile::open(fixture("valid-00000-of-00001.parquet"));
        const ColumnDescriptor img = column(*good, "image.bytes");
        const auto& meta = *good->metadata().rowGroups[0].columns[static_cast<std::size_t>(img.column)].meta;
        std::string badPage = bytes;
        for (std::int64_t i = meta.dataPageOffset + 40; i < meta.dataPageOffset + meta.totalCompressedSize - 8; i += 7)
            badPage[static_cast<std::size_t>(i)] ^= 0x5A;
        const std::string damaged = dir.path().toStdString() + "/damaged.parquet";
        writeFileAtomic(damaged, badPage);
        auto f = ParquetFile::open(damaged);
        try {
            f->readColumn(0, column(*f, "image.bytes"));
            QFAIL("damaged page");
        } catch (const ParquetError& e) {
            QVERIFY(std::string(e.what()).find("image.bytes") != std::string::npos);
            QVERIFY(std::string(e.what()).find("damaged.parquet") != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestParquetReader)
#include "tst_parquet_reader.moc"
