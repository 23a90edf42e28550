// Run folder: checkpoint discovery for RESUME_CHECKPOINT=auto / the GUI's resume button, and run status.
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "base/events/events.h"
#include "base/run/run_folder.h"
#include "base/run/zip_peek.h"
#include "base/util/atomic_file.h"

using namespace studio;
namespace fs = std::filesystem;

namespace {
void put16(std::string& s, unsigned v) { s += char(v & 0xff); s += char((v >> 8) & 0xff); }
void put32(std::string& s, unsigned long v) { put16(s, v & 0xffff); put16(s, (v >> 16) & 0xffff); }

// A stored (uncompressed) zip with one entry, like torch.save's archives.
std::string storedZip(const std::string& name, const std::string& data) {
    const unsigned long crc = crc32(0, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size()));
    std::string z;
    put32(z, 0x04034b50); put16(z, 20); put16(z, 0); put16(z, 0); put16(z, 0); put16(z, 0);
    put32(z, crc); put32(z, data.size()); put32(z, data.size()); put16(z, name.size()); put16(z, 0);
    z += name + data;
    const size_t cd = z.size();
    put32(z, 0x02014b50); put16(z, 20); put16(z, 20); put16(z, 0); put16(z, 0); put16(z, 0); put16(z, 0);
    put32(z, crc); put32(z, data.size()); put32(z, data.size()); put16(z, name.size());
    put16(z, 0); put16(z, 0); put16(z, 0); put16(z, 0); put32(z, 0); put32(z, 0);
    z += name;
    const size_t cdSize = z.size() - cd;
    put32(z, 0x06054b50); put16(z, 0); put16(z, 0); put16(z, 1); put16(z, 1);
    put32(z, cdSize); put32(z, cd); put16(z, 0);
    return z;
}

std::string key(const std::string& k) {
    std::string s = "X";
    put32(s, k.size());
    return s + k;
}

// Protocol-2 pickle of a dict with the given keys (values are empty dicts) and an int epoch.
std::string checkpointPickle(const std::vector<std::string>& keys, int epoch) {
    std::string p = "\x80\x02}q\x00(";
    char memo = 1;
    for (const auto& k : keys) {
        p += key(k) + "q" + std::string(1, memo);
        p += "}q" + std::string(1, char(memo + 1));
        memo += 2;
    }
    p += key("epoch") + "q" + std::string(1, memo++) + "K" + std::string(1, char(epoch));
    p += "u.";
    return p;
}

void writeCheckpoint(const std::string& path, const std::vector<std::string>& keys, int epoch) {
    std::ofstream(path, std::ios::binary) << storedZip("archive/data.pkl", checkpointPickle(keys, epoch));
}
}  // namespace

class TstRunFolder : public QObject {
    Q_OBJECT
private slots:
    void peeksIntoRfdetrCheckpoints() {
        QTemporaryDir dir;
        const std::string p = dir.filePath("checkpoint.pth").toStdString();
        writeCheckpoint(p, {"model", "optimizer", "lr_scheduler", "args", "ema_model"}, 7);
        const PickleKeys k = peekCheckpointKeys(p);
        QVERIFY(k.readable);
        QVERIFY(k.hasModel && k.hasEmaModel && k.hasOptimizer && k.hasLrScheduler);
        QCOMPARE(k.epoch, 7);
        const auto info = inspectCheckpoint(p);
        QVERIFY(info && info->complete && info->resumable && info->hasEma);
        QCOMPARE(info->kind, std::string("last"));
        QCOMPARE(info->epoch, 7);
    }
    void realFixtureIsWeightsOnly() {
        const std::string p = std::string(STUDIO_TEST_DATA_DIR) + "/rfdetr/tiny_model.pth";
        const PickleKeys k = peekCheckpointKeys(p);
        QVERIFY(k.readable);
        QVERIFY(k.hasModel);
        QVERIFY(!k.hasEmaModel && !k.hasOptimizer);
    }
    void truncatedOrForeignFilesAreNotComplete() {
        QTemporaryDir dir;
        const std::string p = dir.filePath("checkpoint.pth").toStdString();
        writeCheckpoint(p, {"model", "optimizer", "lr_scheduler", "ema_model"}, 3);
        fs::resize_file(p, fs::file_size(p) - 30);  // cut into the central directory
        QVERIFY(!peekCheckpointKeys(p).readable);
        QVERIFY(!inspectCheckpoint(p)->complete);
        std::ofstream(dir.filePath("checkpoint0001.pth").toStdString()) << "not a zip";
        std::string why;
        QVERIFY(!findResumePoint(dir.path().toStdString(), &why));
        QVERIFY2(why.find("incomplete") != std::string::npos, why.c_str());
    }
    void autoPicksTheNewestResumableWithEma() {
        QTemporaryDir dir;
        const RunFolder rf{dir.path().toStdString()};
        writeCheckpoint(rf.periodic(4), {"model", "optimizer", "lr_scheduler", "ema_model"}, 4);
        writeCheckpoint(rf.checkpoint(), {"model", "optimizer", "lr_scheduler", "ema_model"}, 6);
        writeCheckpoint(rf.bestEma(), {"model", "optimizer", "lr_scheduler"}, 8);  // best_ema: EMA weights under "model"
        const auto r = findResumePoint(rf.root);
        QVERIFY(r);
        QCOMPARE(r->path, rf.checkpoint());
        QCOMPARE(r->epoch, 6);
    }
    void sidecarsWinAndIncompleteOnesAreSkipped() {
        QTemporaryDir dir;
        const RunFolder rf{dir.path().toStdString()};
        writeCheckpoint(rf.checkpoint(), {"model"}, 0);  // contents irrelevant when a sidecar exists
        writeFileAtomic(RunFolder::sidecarOf(rf.checkpoint()),
                        R"({"format":"rfdetr-studio-checkpoint","version":1,"epoch":9,"step":900,"has_ema":true,)"
                        R"("complete":true,"resumable":true,"kind":"last","time":1772359000,"world_size":2})");
        auto r = findResumePoint(rf.root);
        QVERIFY(r);
        QCOMPARE(r->epoch, 9);
        QCOMPARE(r->step, 900LL);
        QCOMPARE(r->worldSize, 2);
        QVERIFY(r->fromSidecar);
        writeFileAtomic(RunFolder::sidecarOf(rf.checkpoint()),
                        R"({"format":"rfdetr-studio-checkpoint","version":1,"epoch":9,"has_ema":true,"complete":false,"resumable":true})");
        std::string why;
        QVERIFY(!findResumePoint(rf.root, &why));
        QVERIFY(why.find("checkpoint.pth") != std::string::npos);
    }
    void emptyOrMissingFolders() {
        QTemporaryDir dir;
        std::string why;
        QVERIFY(!findResumePoint(dir.path().toStdString(), &why));
        QVERIFY(why.find("no checkpoint") != std::string::npos);
        QVERIFY(!findResumePoint("/nonexistent/run", &why));
        QVERIFY(why.find("no run folder") != std::string::npos);
        QVERIFY(!holdsRun(dir.path().toStdString()));
    }
    void statusFromEvents() {
        QTemporaryDir dir;
        const RunFolder rf{dir.path().toStdString()};
        StepEvent s;
        s.epoch = 1;
        s.step = 10;
        s.t = 100;
        EvalEvent e;
        e.epoch = 1;
        e.map5095 = 0.31;
        EvalEvent e2 = e;
        e2.ema = true;
        e2.map5095 = 0.35;
        std::string text = encodeEvent(HelloEvent{}) + "\n" + encodeEvent(s) + "\n" + encodeEvent(e) + "\n" +
                           encodeEvent(e2) + "\n";
        writeFileAtomic(rf.eventsJsonl(), text + "{\"v\":1,\"type\":\"step\",\"epo");  // truncated last line
        RunSummary sum = summarizeRun(rf.root);
        QCOMPARE(sum.status, RunStatus::Failed);  // no done line, nobody holds the folder
        QCOMPARE(sum.lastStep, 10LL);
        QCOMPARE(sum.bestMap, 0.35);
        QVERIFY(holdsRun(rf.root));
        writeFileAtomic(rf.eventsJsonl(), text + encodeEvent(DoneEvent{"stopped", 0}) + "\n");
        QCOMPARE(summarizeRun(rf.root).status, RunStatus::Stopped);
        // Resumed after the stop: a new hello and no done line. Nobody holds the folder -> the resumed
        // trainer died; a live lock holder -> running.
        writeFileAtomic(rf.eventsJsonl(), text + encodeEvent(DoneEvent{"stopped", 0}) + "\n" + encodeEvent(HelloEvent{}) + "\n");
        QCOMPARE(summarizeRun(rf.root).status, RunStatus::Failed);
        const int fd = ::open(rf.lockFile().c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
        QVERIFY(fd >= 0);
        QCOMPARE(::write(fd, "4242\n", 5), ssize_t(5));
        QCOMPARE(::flock(fd, LOCK_EX | LOCK_NB), 0);
        // flock locks belong to the open file description: a second open() in this process conflicts too.
        long long pid = 0;
        QVERIFY(runIsLocked(rf.root, &pid));
        QCOMPARE(pid, 4242LL);
        QCOMPARE(summarizeRun(rf.root).status, RunStatus::Running);
        ::close(fd);
        QVERIFY(!runIsLocked(rf.root));
    }
    void periodicNames() {
        QCOMPARE(RunFolder{"/r"}.periodic(9), std::string("/r/checkpoint0009.pth"));
    }
};

QTEST_GUILESS_MAIN(TstRunFolder)
#include "tst_run_folder.moc"
