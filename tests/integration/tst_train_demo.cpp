// rfdetr-train trains as users run it: the real binary on the built-in demo forms, at a tiny resolution
// (96 px, 30 queries) so a few dozen CPU steps fit in a test. Checks that the loss falls, the run folder
// holds everything ARCHITECTURE §4 lists, `--resume auto` continues where the run stopped, SIGTERM stops
// with a checkpoint, and bad input is refused without touching the last good checkpoint.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <numeric>

#include "base/demo/demo_dataset.h"
#include "process_run_helpers.h"

namespace {

using Result = studio::testing::ProcessResult;
using studio::testing::eventsOfType;

QProcessEnvironment cleanEnv(const QString& cacheDir) {
    QProcessEnvironment env = studio::testing::trainerFreeEnvironment();
    env.insert("CACHE_DIR", cacheDir);
    env.insert("OMP_NUM_THREADS", "2");
    return env;
}

/// The tiny demo configuration every case starts from.
QStringList tinyArgs(const QString& outDir) {
    return {"--dataset", "demo", "--device", "cpu", "--model-size", "small", "--resolution", "96",
            "--num-queries", "30", "--no-multi-scale", "--batch-size", "2", "--grad-accum-steps", "1",
            "--num-workers", "2", "--lr", "1e-3", "--lr-encoder", "1e-3", "--output-dir", outDir};
}

Result run(const QStringList& args, const QString& cacheDir, int timeoutMs = 1000000) {
    return studio::testing::runTrainer(args, cleanEnv(cacheDir), timeoutMs);
}

std::vector<QJsonObject> events(const QByteArray& out, const QString& type) { return eventsOfType(out, type); }

std::vector<QJsonObject> fileEvents(const QString& path, const QString& type) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return events(f.readAll(), type);
}

double mean(const std::vector<double>& v, size_t from, size_t to) {
    return std::accumulate(v.begin() + from, v.begin() + to, 0.0) / double(to - from);
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class TstTrainDemo : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString cache() const { return m_dir.filePath("cache"); }
    QString runDir() const { return m_dir.filePath("run"); }

  private slots:
    void initTestCase() {
        QVERIFY2(QFileInfo(qEnvironmentVariable("RFDETR_TRAIN")).isExecutable(),
                 "RFDETR_TRAIN must name the rfdetr-train binary (ctest sets it)");
        QVERIFY(m_dir.isValid());
    }

    // 40 optimiser steps from scratch at lr 1e-3: the mean total loss of the last 20 steps is at least 6 %
    // below that of the first 10 (measured on this machine with the v3 demo pages: 18.26 -> 16.29, ratio 0.89;
    // one step's loss scatters by ~2, so a 20-step mean is steady to ~3 %; tst_batch_preview checks that the
    // step really fits boxes).
    void trainsAndTheLossFalls() {
        QStringList args = tinyArgs(runDir());
        args << "--epochs" << "2" << "--max-steps" << "40";
        const Result r = run(args, cache());
        QVERIFY2(r.exitCode == 0, r.err.right(3000).constData());

        const auto steps = events(r.out, "step");
        QCOMPARE(int(steps.size()), 40);
        std::vector<double> total;
        for (const auto& s : steps) total.push_back(s["loss"].toObject()["total"].toDouble());
        for (size_t i = 0; i < steps.size(); ++i) QCOMPARE(steps[i]["step"].toInteger(), qint64(i + 1));
        const double first = mean(total, 0, 10), last = mean(total, 20, 40);
        qInfo("mean total loss: steps 1-10 %.3f, steps 21-40 %.3f (ratio %.3f)", first, last, last / first);
        QVERIFY2(last < 0.94 * first, qPrintable(QString("loss did not fall: %1 -> %2").arg(first).arg(last)));

        const auto done = events(r.out, "done");
        QCOMPARE(int(done.size()), 1);
        QCOMPARE(done[0]["status"].toString(), QString("finished"));
        QVERIFY(!events(r.out, "hello").empty());
        QVERIFY(events(r.out, "eval").size() >= 2);  // regular and EMA weights on the valid split

        // The run folder (ARCHITECTURE §4).
        const QDir dir(runDir());
        for (const char* f : {"checkpoint.pth", "checkpoint.pth.json", "checkpoint_best_total.pth", "config.json",
                              "log.txt", "results.json", "events.jsonl", "logs/rank0.log"})
            QVERIFY2(QFileInfo::exists(dir.filePath(f)), f);
        QVERIFY(!dir.entryList({"*.tmp*"}, QDir::Files).size());
        QVERIFY(!QDir(dir.filePath("tb")).entryList({"events.out.tfevents.*"}, QDir::Files).isEmpty());
        const QJsonObject sidecar = QJsonDocument::fromJson(readAll(dir.filePath("checkpoint.pth.json"))).object();
        QCOMPARE(sidecar["step"].toInteger(), qint64(40));
        QVERIFY(sidecar["has_ema"].toBool());
        QVERIFY(sidecar["resumable"].toBool());
        const QList<QByteArray> logLines = readAll(dir.filePath("log.txt")).trimmed().split('\n');
        QVERIFY(!logLines.isEmpty());
        const QJsonObject line = QJsonDocument::fromJson(logLines.last()).object();
        for (const char* key : {"train_loss", "test_coco_eval_bbox", "ema_test_coco_eval_bbox", "epoch", "n_parameters"})
            QVERIFY2(line.contains(key), key);
        QCOMPARE(line["test_coco_eval_bbox"].toArray().size(), 12);
        const QJsonObject config = QJsonDocument::fromJson(readAll(dir.filePath("config.json"))).object();
        QCOMPARE(config["resolution"].toInt(), 96);
        // events.jsonl mirrors stdout's events.
        QCOMPARE(int(fileEvents(dir.filePath("events.jsonl"), "step").size()), 40);
    }

    // A second run into the same folder is refused (it would overwrite the first run's checkpoints) and the
    // checkpoint stays as it was.
    void refusesToOverwriteAnotherRun() {
        const QString ckpt = QDir(runDir()).filePath("checkpoint.pth");
        QVERIFY(QFileInfo::exists(ckpt));
        const QDateTime before = QFileInfo(ckpt).lastModified();
        const QByteArray head = readAll(ckpt).left(4096);
        QStringList args = tinyArgs(runDir());
        args << "--max-steps" << "2";
        const Result r = run(args, cache());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--resume auto"), r.err.constData());
        QVERIFY2(r.err.contains("--output-dir"), r.err.constData());
        QCOMPARE(QFileInfo(ckpt).lastModified(), before);
        QCOMPARE(readAll(ckpt).left(4096), head);
    }

    // RESUME_CHECKPOINT=auto picks the newest checkpoint and the step count continues from it.
    void resumeAutoContinues() {
        QStringList args = tinyArgs(runDir());
        args << "--epochs" << "2" << "--max-steps" << "43" << "--resume" << "auto";
        const Result r = run(args, cache());
        QVERIFY2(r.exitCode == 0, r.err.right(3000).constData());
        const auto steps = events(r.out, "step");
        QCOMPARE(int(steps.size()), 3);
        QCOMPARE(steps.front()["step"].toInteger(), qint64(41));
        QCOMPARE(steps.back()["step"].toInteger(), qint64(43));
        const QJsonObject sidecar =
            QJsonDocument::fromJson(readAll(QDir(runDir()).filePath("checkpoint.pth.json"))).object();
        QCOMPARE(sidecar["step"].toInteger(), qint64(43));
    }

    // SIGTERM finishes the step, writes a checkpoint and exits 0 with status "stopped".
    void sigtermStopsWithACheckpoint() {
        const QString out = m_dir.filePath("stopped");
        QProcess p;
        p.setProcessEnvironment(cleanEnv(cache()));
        QStringList args = tinyArgs(out);
        args << "--epochs" << "1";
        p.start(qEnvironmentVariable("RFDETR_TRAIN"), args);
        QVERIFY(p.waitForStarted());
        QByteArray stdoutData;
        QElapsedTimer timer;
        timer.start();
        while (!stdoutData.contains("\"type\":\"step\"") && timer.elapsed() < 300000) {
            p.waitForReadyRead(1000);
            stdoutData += p.readAllStandardOutput();
        }
        QVERIFY2(stdoutData.contains("\"type\":\"step\""), "no step event within 5 minutes");
        ::kill(static_cast<pid_t>(p.processId()), SIGTERM);
        QVERIFY(p.waitForFinished(300000));
        stdoutData += p.readAllStandardOutput();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        const auto done = events(stdoutData, "done");
        QCOMPARE(int(done.size()), 1);
        QCOMPARE(done[0]["status"].toString(), QString("stopped"));
        QVERIFY(QFileInfo::exists(QDir(out).filePath("checkpoint.pth")));
    }

    // A COCO folder of the user's (here: 4 demo pages per split) trains a full epoch; resuming it with no
    // epochs left explains itself (rfdetr crashes there), and a --resume path that does not exist is named.
    void cocoFolderAndResumeWithNothingLeft() {
        const QString demo = QString::fromStdString(studio::demoDatasetDir(cache().toStdString()));
        QVERIFY2(QFileInfo::exists(demo + "/train/_annotations.coco.json"), "the first case generates the demo");
        const QString ds = m_dir.filePath("small-ds");
        for (const QString split : {"train", "valid"}) {
            QJsonObject gt = QJsonDocument::fromJson(readAll(demo + "/" + split + "/_annotations.coco.json")).object();
            QJsonArray images, annotations;
            QSet<qint64> keep;
            for (const auto& v : gt["images"].toArray()) {
                if (images.size() == 4) break;
                images.append(v);
                keep.insert(v.toObject()["id"].toInteger());
                QDir().mkpath(ds + "/" + split);
                const QString name = v.toObject()["file_name"].toString();
                QVERIFY(QFile::copy(demo + "/" + split + "/" + name, ds + "/" + split + "/" + name));
            }
            for (const auto& v : gt["annotations"].toArray())
                if (keep.contains(v.toObject()["image_id"].toInteger())) annotations.append(v);
            gt["images"] = images;
            gt["annotations"] = annotations;
            QFile f(ds + "/" + split + "/_annotations.coco.json");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QJsonDocument(gt).toJson());
        }
        const QString out = m_dir.filePath("small-run");
        QStringList args = tinyArgs(out);
        args[1] = ds;
        args << "--epochs" << "1";
        Result r = run(args, cache());
        QVERIFY2(r.exitCode == 0, r.err.right(3000).constData());
        QCOMPARE(int(events(r.out, "step").size()), 5);  // 4 images: rfdetr's minimum of 5 batches per epoch

        args << "--resume" << "auto";
        r = run(args, cache());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("nothing left to train") && r.err.contains("--epochs"), r.err.constData());

        args = tinyArgs(out);
        args[1] = ds;
        args << "--resume" << m_dir.filePath("nope/checkpoint.pth");
        r = run(args, cache());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("nope/checkpoint.pth"), r.err.constData());
    }

    // A dataset without a valid split is refused before anything is trained, naming the split.
    void datasetWithoutValidSplit() {
        const QString ds = m_dir.filePath("novalid");
        QDir().mkpath(ds + "/train");
        QFile f(ds + "/train/_annotations.coco.json");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"images": [], "annotations": [], "categories": [{"id": 0, "name": "Text", "supercategory": "none"}]})");
        f.close();
        QStringList args = tinyArgs(m_dir.filePath("novalid-run"));
        args[1] = ds;
        const Result r = run(args, cache());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("valid"), r.err.constData());
        QVERIFY(!QFileInfo::exists(m_dir.filePath("novalid-run/checkpoint.pth")));
    }
};

QTEST_GUILESS_MAIN(TstTrainDemo)
#include "tst_train_demo.moc"
