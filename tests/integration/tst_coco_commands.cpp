// validate-dataset and evaluate run as users run them: the real rfdetr-train binary, exit codes,
// JSON.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

namespace {

struct Result {
    int exitCode = -1;
    QByteArray out, err;
};

Result run(const QStringList& args) {
    QProcess p;
    p.start(qEnvironmentVariable("RFDETR_TRAIN"), args);
    if (!p.waitForFinished(60000)) {
        p.kill();
        return {};
    }
    return {p.exitCode(), p.readAllStandardOutput(), p.readAllStandardError()};
}

void write(const QString& path, const std::string& text) {
    QDir().mkpath(QFileInfo(path).path());
    std::ofstream(path.toStdString(), std::ios::binary) << text;
}

void writePng(const QString& path, unsigned w, unsigned h) {
    std::string b("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
    for (unsigned v : {w, h})
        for (int s = 24; s >= 0; s -= 8)
            b.push_back(static_cast<char>((v >> s) & 0xFF));
    b += std::string("\x08\x02\0\0\0\0\0\0\0", 9);
    write(path, b);
}

const char* kGt = R"({"images": [{"id": 1, "file_name": "a.png", "width": 64, "height": 48}],
  "categories": [{"id": 0, "name": "forms", "supercategory": "none"}, {"id": 1, "name": "Text", "supercategory": "forms"}],
  "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [4, 4, 20, 10], "area": 200, "iscrowd": 0}]})";

}  // namespace

class TstCocoCommands : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

  private slots:
    void validateDataset() {
        const QString root = m_dir.filePath("ds");
        for (const char* split : {"train", "valid", "test"}) {
            write(root + "/" + split + "/_annotations.coco.json", kGt);
            writePng(root + "/" + split + "/a.png", 64, 48);
        }
        Result r = run({"validate-dataset", root, "--json", "--quiet"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["ok"].toBool(), true);
        QCOMPARE(j["classes"].toObject()["num_logits"].toInt(), 2);
        QFile::remove(root + "/valid/a.png");
        r = run({"validate-dataset", root, "--quiet"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains(
                     "valid/_annotations.coco.json: image id 1 (a.png): the image file is missing"),
                 r.out.constData());
        QCOMPARE(run({"validate-dataset"}).exitCode, 2);
    }

    void evaluate() {
        const QString gt = m_dir.filePath("gt.json"), dt = m_dir.filePath("dt.json");
        write(gt, kGt);
        write(dt, R"([{"image_id": 1, "category_id": 1, "bbox": [4, 4, 20, 10], "score": 0.9}])");
        Result r = run({"evaluate", "--annotations", gt, "--detections", dt, "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["stats"].toArray().size(), 12);
        QCOMPARE(j["stats"].toArray()[0].toDouble(), 1.0);
        QCOMPARE(j["per_class"].toObject()["1"].toDouble(), 1.0);
        write(dt, R"([{"image_id": 5, "category_id": 1, "bbox": [4, 4, 20, 10], "score": 0.9}])");
        r = run({"evaluate", "--annotations", gt, "--detections", dt});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("image_id 5"), r.err.constData());
        QCOMPARE(run({"evaluate", "--detections", dt}).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TstCocoCommands)
#include "tst_coco_commands.moc"
