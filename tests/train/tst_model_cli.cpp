// rfdetr-train model-summary and predict on a small-size checkpoint written by the Studio's own writer:
// the real binary (RFDETR_TRAIN) for JSON output, exit codes and the drawn image; the command functions
// in-process for text output and bad input (fewer process starts keep the test short).
#include <iostream>
#include <sstream>

#include <ATen/ATen.h>

#include "train/cli/commands.h"
#include "train/cli/image_file.h"
#include "train/io/pth_file.h"
#include "train/model/model_weights.h"
#include "train/model/predictor.h"
#include "tools/fake_hub_server.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio;
using namespace studio::train;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QString err;
};

Run runTrainer(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(qEnvironmentVariable("RFDETR_TRAIN"), args);
    if (!p.waitForFinished(120000)) return {};
    return {p.exitCode(), p.readAllStandardOutput(), QString::fromUtf8(p.readAllStandardError())};
}

// Runs a command function in-process: its stdout, or the UsageError message (prefixed "usage: ").
template <typename F>
std::string capture(F&& command, const Args& args) {
    std::ostringstream out;
    auto* old = std::cout.rdbuf(out.rdbuf());
    try {
        const int rc = command(args);
        std::cout.rdbuf(old);
        return rc == 0 ? out.str() : "exit " + std::to_string(rc);
    } catch (const UsageError& e) {
        std::cout.rdbuf(old);
        return std::string("usage: ") + e.what();
    }
}

}  // namespace

class TestModelCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_weights, m_image;

private slots:
    void initTestCase() {
        QVERIFY2(qEnvironmentVariableIsSet("RFDETR_TRAIN"), "RFDETR_TRAIN must point at the rfdetr-train binary");
        at::manual_seed(3);
        RFDetr model(ModelConfig::forSize(ModelSize::Small, 4));
        PyValue ck = PyValue::dict();
        ck.set("model", stateDictToValue(modelStateDict(*model)));
        // A one-tensor EMA dict keeps the file small (the test only checks that EMA state is reported).
        ck.set("ema_model", stateDictToValue({modelStateDict(*model).front()}));
        ck.set("epoch", 7);
        PyValue args = PyValue::namespaceObject();
        args.set("class_names", PyValue::list({"checkbox", "text", "signature"}));
        ck.set("args", args);
        m_weights = m_tmp.filePath("small.pth");
        writePth(m_weights.toStdString(), ck);

        RgbImage img;  // a 300x200 gradient with a dark rectangle
        img.width = 300;
        img.height = 200;
        img.pixels.resize(300 * 200 * 3);
        for (int y = 0; y < 200; ++y)
            for (int x = 0; x < 300; ++x)
                for (int c = 0; c < 3; ++c)
                    img.pixels[(y * 300 + x) * 3 + c] =
                        (x > 50 && x < 120 && y > 40 && y < 90) ? 10 : static_cast<std::uint8_t>((x + y * c) % 256);
        m_image = m_tmp.filePath("page.png");
        writePngFile(m_image.toStdString(), img);
    }

    void summaryOfSizeWithoutWeights() {
        Run r = runTrainer({"model-summary", "--model-size", "small", "--num-classes", "3", "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["parameters"].toDouble(), 31798144.0);  // rfdetr's count for small, num_classes 3
        QCOMPARE(j["resolution"].toInt(), 512);
        QCOMPARE(j["class_logits"].toInt(), 4);
        const std::string text = capture(runModelSummaryCommand, {"--model-size", "medium", "--num-classes", "90"});
        QVERIFY2(text.find("33,687,458 in training") != std::string::npos, text.c_str());
        QVERIFY2(text.find("30,083,822 at inference") != std::string::npos, text.c_str());
    }

    void summaryOfCheckpoint() {
        Run r = runTrainer({"model-summary", "--weights", m_weights, "--num-classes", "5", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["model_size"].toString(), QString("small"));
        QCOMPARE(j["class_logits"].toInt(), 4);  // from the checkpoint, as rfdetr does
        const QJsonObject w = j["weights"].toObject();
        QCOMPARE(w["epoch"].toInt(), 7);
        QCOMPARE(w["has_ema"].toBool(), true);
        QCOMPARE(w["has_optimizer"].toBool(), false);
        QCOMPARE(w["loaded"].toInt(), 487);
        QVERIFY(w["missing"].toArray().isEmpty());
        QVERIFY(w["unexpected"].toArray().isEmpty());
        QCOMPARE(w["class_names"].toArray().at(2).toString(), QString("signature"));
        QVERIFY(w["note"].toString().contains("resizes the head to 6 rows"));

        const std::string wrong =
            capture(runModelSummaryCommand, {"--model-size", "large", "--weights", m_weights.toStdString()});
        QVERIFY2(wrong.rfind("usage: ", 0) == 0 && wrong.find("--model-size small") != std::string::npos, wrong.c_str());
        const std::string text = capture(runModelSummaryCommand, {"--weights", m_weights.toStdString()});
        QVERIFY2(text.find("epoch:     7") != std::string::npos, text.c_str());
        QVERIFY2(text.find("names:     checkbox, text, signature") != std::string::npos, text.c_str());
        QVERIFY2(text.find("loaded 487 tensors") != std::string::npos, text.c_str());
    }

    // Studio checkpoints name each class's label (args.class_ids): a dataset whose category ids have gaps gets
    // the right names, where rfdetr's class_names[label - 1] would shift them. Without class_ids (rfdetr's own
    // checkpoints) that reading stays.
    void classNamesFollowClassIds() {
        PredictorOptions o;
        o.weightsPath = m_weights.toStdString();
        o.device = "cpu";
        o.resolution = 128;
        {
            Predictor rfdetrStyle(o);
            QCOMPARE(rfdetrStyle.className(1), std::string("checkbox"));
            QCOMPARE(rfdetrStyle.className(3), std::string("signature"));
            QCOMPARE(rfdetrStyle.className(4), std::string());
        }
        at::manual_seed(3);
        RFDetr model(ModelConfig::forSize(ModelSize::Small, 10));
        PyValue ck = PyValue::dict();
        ck.set("model", stateDictToValue(modelStateDict(*model)));
        PyValue args = PyValue::namespaceObject();
        args.set("class_names", PyValue::list({"checkbox", "text", "signature"}));
        args.set("class_ids", PyValue::list({std::int64_t(2), std::int64_t(5), std::int64_t(9)}));
        ck.set("args", args);
        o.weightsPath = m_tmp.filePath("gaps.pth").toStdString();
        writePth(o.weightsPath, ck);
        QCOMPARE(readCheckpointWeights(o.weightsPath).classIds, (std::vector<std::int64_t>{2, 5, 9}));
        Predictor p(o);
        QCOMPARE(p.className(2), std::string("checkbox"));
        QCOMPARE(p.className(5), std::string("text"));
        QCOMPARE(p.className(9), std::string("signature"));
        QCOMPARE(p.className(1), std::string());
        QCOMPARE(p.className(3), std::string());
        // class_ids that do not pair with class_names are ignored.
        args.set("class_ids", PyValue::list({std::int64_t(2), std::int64_t(5)}));
        QVERIFY(classIdsFromArgs(args).empty());
    }

    // `predict --weights rf-detr-small.pth` downloads the published checkpoint into CACHE_DIR/weights (here from a
    // mirror, RFDETR_WEIGHTS_BASE_URL) and uses it; the second call finds it in the cache.
    void predictFetchesPublishedWeightsByName() {
        studio::testing::FakeHubServer server;
        QVERIFY(server.running());
        QVERIFY(server.configure(
            {{"static", {{"small_coco/checkpoint_best_regular.pth", {{"file", m_weights.toStdString()}}}}}}));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("RFDETR_WEIGHTS_BASE_URL", QString::fromStdString(server.endpoint() + "/static"));
        env.insert("CACHE_DIR", m_tmp.filePath("published-cache"));
        const QStringList args = {"predict", "--weights", "rf-detr-small.pth", "--image", m_image, "--json",
                                  "--device", "cpu", "--resolution", "128", "--threshold", "0.0095"};
        for (int i = 0; i < 2; ++i) {
            Run r = runTrainer(args, env);
            QVERIFY2(r.exitCode == 0, qPrintable(r.err));
            QVERIFY(!QJsonDocument::fromJson(r.out).object()["detections"].toArray().isEmpty());
        }
        QVERIFY(QFileInfo(m_tmp.filePath("published-cache/weights/rf-detr-small.pth")).size() ==
                QFileInfo(m_weights).size());
        int downloads = 0;
        const auto log = server.log();
        for (const auto& e : log["log"]) downloads += e["path"].get<std::string>().rfind("/static/", 0) == 0;
        QCOMPARE(downloads, 1);
        // A mirror without the file: exit 1, and the message says where the file could be copied instead.
        env.insert("CACHE_DIR", m_tmp.filePath("empty-cache"));
        Run r = runTrainer({"predict", "--weights", "rf-detr-medium.pth", "--image", m_image}, env);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("HTTP 404") && r.err.contains("empty-cache/weights/rf-detr-medium.pth"),
                 qPrintable(r.err));
    }

    void predictMatchesApiAndDraws() {
        const QString drawn = m_tmp.filePath("drawn.png");
        // 128 px instead of 512 keeps the CPU forward short (and exercises the position-embedding resize).
        Run r = runTrainer({"predict", "--weights", m_weights, "--image", m_image, "--threshold", "0.0095", "--json",
                            "--output", drawn, "--device", "cpu", "--resolution", "128"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject j = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(j["width"].toInt(), 300);
        QCOMPARE(j["height"].toInt(), 200);
        QCOMPARE(j["resolution"].toInt(), 128);
        const QJsonArray dets = j["detections"].toArray();

        PredictorOptions o;
        o.weightsPath = m_weights.toStdString();
        o.device = "cpu";
        o.resolution = 128;
        Predictor p(o);
        const RgbImage img = decodeImageFile(m_image.toStdString());
        const std::vector<Detection> mine = p.predict(img.pixels.data(), img.width, img.height, 0.0095);
        QVERIFY(!mine.empty());
        QCOMPARE(dets.size(), qsizetype(mine.size()));
        for (int i = 0; i < dets.size(); ++i) {
            const QJsonObject d = dets[i].toObject();
            QCOMPARE(d["class_id"].toInt(), int(mine[i].label));
            QVERIFY(std::abs(d["score"].toDouble() - mine[i].score) < 1e-6);
            QVERIFY(std::abs(d["box_xyxy"].toArray()[2].toDouble() - mine[i].x2) < 1e-3);
            if (mine[i].label >= 1 && mine[i].label <= 3)
                QCOMPARE(d["class_name"].toString().toStdString(), p.className(mine[i].label));
        }
        const RgbImage out = decodeImageFile(drawn.toStdString());
        QCOMPARE(out.width, 300);
        QCOMPARE(out.height, 200);
        QVERIFY(out.pixels != img.pixels);  // boxes were drawn

        const std::string text =
            capture(runPredictCommand, {"--weights", m_weights.toStdString(), "--image", m_image.toStdString(),
                                        "--threshold", "0.0095", "--resolution", "128", "--device", "cpu"});
        QVERIFY2(text.find(std::to_string(mine.size()) + " detection(s) with score > 0.0095") != std::string::npos,
                 text.c_str());
        QVERIFY2(text.find("class  name") != std::string::npos, text.c_str());
    }

    void predictSeveralImagesAsJsonLines() {
        // The Studio's Preview: one model load, one JSON object per line, an unreadable image reported in
        // its line (exit code 1 at the end) without stopping the others.
        const QString none = m_tmp.filePath("gone.png");
        Run r = runTrainer({"predict", "--weights", m_weights, "--image", m_image, "--image", none, "--image", m_image,
                            "--threshold", "0.0095", "--json", "--device", "cpu", "--resolution", "128"});
        QCOMPARE(r.exitCode, 1);
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        const QJsonObject first = QJsonDocument::fromJson(lines[0]).object();
        const QJsonObject bad = QJsonDocument::fromJson(lines[1]).object();
        const QJsonObject third = QJsonDocument::fromJson(lines[2]).object();
        QCOMPARE(first["image"].toString(), m_image);
        QCOMPARE(first["width"].toInt(), 300);
        QVERIFY(!first["detections"].toArray().isEmpty());
        QCOMPARE(third["detections"].toArray(), first["detections"].toArray());  // same image, same answer
        QCOMPARE(bad["image"].toString(), none);
        QVERIFY2(bad["error"].toString().contains("gone.png"), qPrintable(bad["error"].toString()));
        const std::string refused = capture(runPredictCommand, {"--weights", m_weights.toStdString(), "--image",
                                                                m_image.toStdString(), "--image", m_image.toStdString(),
                                                                "--output", m_tmp.filePath("x.png").toStdString()});
        QVERIFY2(refused.rfind("usage: ", 0) == 0 && refused.find("single --image") != std::string::npos, refused.c_str());
    }

    void predictorTakesTheCheckpointsQueryCount() {
        // A run trained with --num-queries 30 (13 groups): the Preview must be able to load its checkpoint.
        at::manual_seed(4);
        ModelConfig cfg = ModelConfig::forSize(ModelSize::Nano, 4);
        cfg.numQueries = 30;
        RFDetr model(cfg);
        PyValue ck = PyValue::dict();
        ck.set("model", stateDictToValue(modelStateDict(*model)));
        const QString path = m_tmp.filePath("queries30.pth");
        writePth(path.toStdString(), ck);
        PredictorOptions o;
        o.weightsPath = path.toStdString();
        o.device = "cpu";
        o.resolution = 128;
        Predictor p(o);
        QCOMPARE(p.config().numQueries, 30);
        QCOMPARE(p.config().groupDetr, cfg.groupDetr);
        const RgbImage img = decodeImageFile(m_image.toStdString());
        QVERIFY(p.predict(img.pixels.data(), img.width, img.height, 0.0).size() <= 300u);
    }

    void predictBadInput() {
        const std::string w = m_weights.toStdString(), img = m_image.toStdString();
        auto predict = [](const Args& a) { return capture(runPredictCommand, a); };
        auto refused = [](const std::string& out, const std::string& what) {
            return out.rfind("usage: ", 0) == 0 && out.find(what) != std::string::npos;
        };
        const std::string none = m_tmp.filePath("none.jpg").toStdString();
        const std::string noImage = predict({"--weights", w, "--image", none});
        QVERIFY2(refused(noImage, "none.jpg: cannot open"), noImage.c_str());

        QFile junk(m_tmp.filePath("junk.png"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not an image at all");
        junk.close();
        const std::string badImage = predict({"--weights", w, "--image", junk.fileName().toStdString()});
        QVERIFY2(refused(badImage, "cannot decode"), badImage.c_str());

        QFile src(m_weights);
        QVERIFY(src.open(QIODevice::ReadOnly));
        const QByteArray half = src.read(src.size() / 2);
        QFile cut(m_tmp.filePath("cut.pth"));
        QVERIFY(cut.open(QIODevice::WriteOnly));
        cut.write(half);
        cut.close();
        const std::string truncated = predict({"--weights", cut.fileName().toStdString(), "--image", img});
        QVERIFY2(refused(truncated, "cut.pth") && truncated.find("truncated") != std::string::npos, truncated.c_str());

        QVERIFY(refused(predict({"--weights", w, "--image", img, "--resolution", "500"}), "multiple of 32"));
        QVERIFY(refused(predict({"--weights", w, "--image", img, "--threshold", "2"}), "--threshold 2"));
        QVERIFY(refused(predict({"--image", img}), "--weights FILE is required"));
        QVERIFY(refused(predict({"--weights", w, "--image", img, "--device", "tpu"}), "--device tpu"));
        QVERIFY(refused(predict({"--weights", w, "--image", img, "--bogus"}), "--bogus"));

        // The real binary maps these to exit code 2 with the message on stderr.
        Run r = runTrainer({"predict", "--weights", m_weights, "--image", QString::fromStdString(none)});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("none.jpg: cannot open"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestModelCli)
#include "tst_model_cli.moc"
