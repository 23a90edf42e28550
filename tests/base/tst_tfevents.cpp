// TensorBoard event files: CRC-32C, masking, protobuf encoding and framing against golden bytes
// (ecosystem.md B.2.2, computed by an independent encoder).
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

#include "base/tb/crc32c.h"
#include "base/tb/tfevents_writer.h"

using namespace studio;

namespace {
QByteArray hex(const std::string& s) { return QByteArray::fromStdString(s).toHex(); }
}  // namespace

class TstTfEvents : public QObject {
    Q_OBJECT
private slots:
    void crcVectors() {
        QCOMPARE(crc32c("123456789", 9), 0xe3069283u);
        QCOMPARE(crc32c("", 0), 0u);
        QCOMPARE(maskedCrc32c("", 0), 0xa282ead8u);
    }
    void fileVersionRecord() {
        const std::string e = encodeFileVersionEvent(1700000000.0);
        QCOMPARE(hex(e), QByteArray("0900000040fc54d9411a0d627261696e2e4576656e743a32"));
        QCOMPARE(hex(frameRecord(e)),
                 QByteArray("1800000000000000a37f4b22") + hex(e) + QByteArray("eced8f9d"));
    }
    void scalarRecord() {
        const std::string e = encodeScalarEvent(1700000001.5, 10, "train/loss", 0.5f);
        QCOMPARE(hex(e), QByteArray("0900006040fc54d941100a2a130a110a0a747261696e2f6c6f7373150000003f"));
        QCOMPARE(hex(frameRecord(e)), QByteArray("200000000000000029eda950") + hex(e) + QByteArray("7ec10a5d"));
    }
    void writerProducesReadableFramedFile() {
        QTemporaryDir dir;
        std::string path;
        {
            TfEventsWriter w(dir.filePath("tb").toStdString());
            path = w.path();
            QVERIFY(QString::fromStdString(path).contains("events.out.tfevents."));
            w.scalar("train/loss", 1.25, 1, 1700000000.0);
            w.scalar("train/loss", 1.0, 2, 1700000001.0);
            w.flush();
            QCOMPARE(w.writeErrors(), 0);
        }
        std::ifstream in(path, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string bytes = ss.str();
        // Walk the records and check both CRCs, as TensorBoard does.
        size_t pos = 0;
        int records = 0;
        while (pos < bytes.size()) {
            QVERIFY(pos + 12 <= bytes.size());
            std::uint64_t len = 0;
            for (int i = 7; i >= 0; --i) len = (len << 8) | static_cast<unsigned char>(bytes[pos + i]);
            auto u32 = [&](size_t at) {
                std::uint32_t v = 0;
                for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
                return v;
            };
            QCOMPARE(u32(pos + 8), maskedCrc32c(bytes.data() + pos, 8));
            QVERIFY(pos + 12 + len + 4 <= bytes.size());
            QCOMPARE(u32(pos + 12 + len), maskedCrc32c(bytes.data() + pos + 12, len));
            pos += 12 + len + 4;
            ++records;
        }
        QCOMPARE(records, 3);
        QVERIFY(bytes.find("train/loss") != std::string::npos);
    }
    void unwritableFolderIsAnError() {
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, TfEventsWriter("/proc/no/tb"));
    }
};

QTEST_GUILESS_MAIN(TstTfEvents)
#include "tst_tfevents.moc"
