// Atomic replacement: the previous file survives any failure; no half-written file under the final name.
#include <QTemporaryDir>
#include <QtTest>

#include <sys/resource.h>

#include <csignal>
#include <filesystem>

#include "base/util/atomic_file.h"

using namespace studio;
namespace fs = std::filesystem;

class TstAtomicFile : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string path(const char* n) { return m_dir.filePath(n).toStdString(); }
private slots:
    void replacesContents() {
        const std::string p = path("a.json");
        writeFileAtomic(p, "one");
        writeFileAtomic(p, "two");
        QCOMPARE(readFile(p), std::string("two"));
        QCOMPARE(std::distance(fs::directory_iterator(m_dir.path().toStdString()), fs::directory_iterator{}), 1L);
    }
    void abandonedWriteKeepsTheOldFile() {
        const std::string p = path("b.pth");
        writeFileAtomic(p, "good checkpoint");
        {
            AtomicFileWriter w(p);
            w.write("half a checkp");
            QVERIFY(fs::exists(w.tempPath()));
            // destroyed without commit(): e.g. an exception while serialising
        }
        QCOMPARE(readFile(p), std::string("good checkpoint"));
        for (const auto& e : fs::directory_iterator(m_dir.path().toStdString()))
            QVERIFY2(e.path().string().find(".tmp.") == std::string::npos, e.path().c_str());
    }
    void diskFullKeepsTheOldFile() {
        // Simulate a full disk: RLIMIT_FSIZE makes write() fail with EFBIG past the limit.
        const std::string p = path("full.pth");
        writeFileAtomic(p, "previous good checkpoint");
        struct rlimit old {};
        QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
        std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = old;
        small.rlim_cur = 4096;
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
        bool threw = false;
        try {
            writeFileAtomic(p, std::string(1 << 20, 'x'));
        } catch (const std::runtime_error& e) {
            threw = true;
            QVERIFY2(QString(e.what()).contains("full.pth"), e.what());
        }
        setrlimit(RLIMIT_FSIZE, &old);
        QVERIFY(threw);
        QCOMPARE(readFile(p), std::string("previous good checkpoint"));
        for (const auto& e : fs::directory_iterator(m_dir.path().toStdString()))
            QVERIFY2(e.path().string().find(".tmp.") == std::string::npos, e.path().c_str());
    }
    void errorsNameTheFile() {
        try {
            writeFileAtomic("/nonexistent/dir/x.json", "x");
            QFAIL("expected an exception");
        } catch (const std::runtime_error& e) {
            QVERIFY(QString(e.what()).contains("/nonexistent/dir/x.json"));
        }
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, readFile("/nonexistent/file"));
    }
    void countsBytes() {
        AtomicFileWriter w(path("c.bin"));
        const std::string big(1 << 20, 'x');
        w.write(big);
        w.write(big);
        QCOMPARE(w.bytesWritten(), std::uint64_t(2 << 20));
        w.commit();
        QCOMPARE(fs::file_size(path("c.bin")), std::uintmax_t(2 << 20));
    }
};

QTEST_GUILESS_MAIN(TstAtomicFile)
#include "tst_atomic_file.moc"
