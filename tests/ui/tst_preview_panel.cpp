// The Preview tab against a fake trainer: checkpoints listed (last, best EMA, periodic), validation images
// with their ground truth, `rfdetr-train predict --weights … --image A --image B … --threshold 0.05 --json
// --ema` for the chosen image and the next uncached ones (results streamed one JSON line per image),
// boxes filtered by the slider without re-running, results cached per checkpoint/EMA/image, and failures
// (exit code, garbage output, an unreadable image's error line) shown as messages; "First training batch"
// (the run's train_batch0.png) disabled with a reason until the file is there, then shown scaled to fit.
#include <QDir>
#include <QFile>
#include <QImage>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>

#include "fake_trainer_process.h"
#include "ui/preview/detection_canvas.h"
#include "ui/preview/prediction.h"
#include "ui/preview/preview_panel.h"

using namespace studio;
using namespace studio::ui;
using studio::ui::testing::FakeTrainerProcess;
using studio::ui::testing::fakeFactory;

namespace {
void write(const QString& path, const QByteArray& text) {
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}
const QByteArray kCoco = R"({"images":[{"id":1,"file_name":"p1.png","width":200,"height":100},
    {"id":2,"file_name":"p2.png","width":200,"height":100}],
  "annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[10,10,50,20],"area":1000,"iscrowd":0},
    {"id":2,"image_id":1,"category_id":2,"bbox":[100,50,20,20],"area":400,"iscrowd":0},
    {"id":3,"image_id":2,"category_id":1,"bbox":[5,5,10,10],"area":100,"iscrowd":0}],
  "categories":[{"id":0,"name":"forms","supercategory":"none"},{"id":1,"name":"Text","supercategory":"forms"},
    {"id":2,"name":"CheckBox","supercategory":"forms"}]})";
QByteArray predictJson(const QString& image) {
    return QStringLiteral(R"({"image":"%1","width":200,"height":100,"model_size":"nano","resolution":384,"threshold":0.05,)"
                          R"("device":"cpu","milliseconds":812.5,"detections":[)"
                          R"({"class_id":1,"class_name":"Text","score":0.91,"box_xyxy":[11,9,61,31]},)"
                          R"({"class_id":2,"class_name":"CheckBox","score":0.42,"box_xyxy":[99,50,121,70]},)"
                          R"({"class_id":1,"class_name":"Text","score":0.08,"box_xyxy":[0,0,5,5]}]})")
        .arg(image).toUtf8();
}
}  // namespace

class TstPreviewPanel : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_dataset, m_run;

private slots:
    void initTestCase() {
        m_dataset = m_dir.filePath("forms");
        m_run = m_dir.filePath("run");
        write(m_dataset + "/valid/_annotations.coco.json", kCoco);
        QImage img(200, 100, QImage::Format_RGB32);
        img.fill(Qt::white);
        QVERIFY(img.save(m_dataset + "/valid/p1.png"));
        QVERIFY(img.save(m_dataset + "/valid/p2.png"));
        QVERIFY(img.save(m_dir.filePath("mine.png")));
        for (const char* f : {"checkpoint0004.pth", "checkpoint_best_ema.pth", "checkpoint.pth", "checkpoint0009.pth"})
            write(m_run + "/" + f, "PK");
    }

    void checkpointsAreOrdered() {
        QStringList names;
        for (const QString& f : checkpointsIn(m_run)) names << QFileInfo(f).fileName();
        QCOMPARE(names, (QStringList{"checkpoint.pth", "checkpoint_best_ema.pth", "checkpoint0009.pth", "checkpoint0004.pth"}));
    }

    void parsesPredictJson() {
        QString err;
        const auto p = parsePredictJson(predictJson("/x.png"), &err);
        QVERIFY2(p, qPrintable(err));
        QCOMPARE(int(p->boxes.size()), 3);
        QCOMPARE(p->boxes[0].className, QString("Text"));
        QCOMPARE(p->boxes[0].box, QRectF(QPointF(11, 9), QPointF(61, 31)));
        QCOMPARE(p->device, QString("cpu"));
        QVERIFY(!parsePredictJson("/x.png: 200x100, 0 detection(s)", &err));
        QVERIFY(err.contains("no detections JSON"));
        QVERIFY(classColor(1) != classColor(2));
        QCOMPARE(classColor(17), classColor(17));
    }

    void validSplitGivesGroundTruth() {
        ValidSplit split;
        QString err;
        QVERIFY(!split.load(m_dir.filePath("nothing"), &err));
        QVERIFY(err.contains("valid/_annotations.coco.json"));
        QVERIFY2(split.load(m_dataset, &err), qPrintable(err));
        QCOMPARE(split.imagePaths().size(), 2);
        const auto gt = split.groundTruth(m_dataset + "/valid/p1.png");
        QVERIFY(gt);
        QCOMPARE(int(gt->size()), 2);
        QCOMPARE((*gt)[0].className, QString("Text"));
        QCOMPARE((*gt)[0].box, QRectF(10, 10, 50, 20));
        QVERIFY(!split.groundTruth(m_dir.filePath("mine.png")));
    }

    void predictsFiltersAndCaches() {
        FakeTrainerProcess::Record rec;
        PreviewPanel panel(fakeFactory(&rec));
        panel.setTrainerPath("/opt/rfdetr-train");
        panel.setRunDir(m_run);
        QCOMPARE(QFileInfo(panel.checkpoint()).fileName(), QString("checkpoint.pth"));
        QString err;
        QVERIFY2(panel.setDatasetDir(m_dataset, &err), qPrintable(err));
        QCOMPARE(panel.images().size(), 2);
        // Selecting the first image started a prediction.
        QVERIFY(rec.live);
        const QStringList& a = rec.spec.arguments;
        QCOMPARE(a.value(0), QString("predict"));
        QCOMPARE(a.value(a.indexOf("--weights") + 1), QDir(m_run).filePath("checkpoint.pth"));
        QCOMPARE(a.value(a.indexOf("--image") + 1), QDir(m_dataset).filePath("valid/p1.png"));
        QCOMPARE(a.value(a.indexOf("--threshold") + 1), QString("0.05"));
        QVERIFY(a.contains("--json"));
        QVERIFY(a.contains("--ema"));
        QCOMPARE(panel.truthCanvas()->visibleCount(), 2);
        rec.live->emitStarted();
        rec.live->out(predictJson(m_dataset + "/valid/p1.png"));
        rec.live->exit(0);
        panel.setThreshold(0.5);
        QCOMPARE(panel.predictionCanvas()->visibleCount(), 1);
        panel.setThreshold(0.3);
        QCOMPARE(panel.predictionCanvas()->visibleCount(), 2);
        QVERIFY(panel.statusText().contains("3 detection(s)"));
        QVERIFY2(panel.predictionCanvas()->caption().contains("2 box"), qPrintable(panel.predictionCanvas()->caption()));

        // Another image runs; coming back to the first uses the cache.
        panel.selectImage(1);
        QVERIFY(rec.running);
        QCOMPARE(rec.spec.arguments.value(rec.spec.arguments.indexOf("--image") + 1), QDir(m_dataset).filePath("valid/p2.png"));
        rec.live->exit(0);  // no output: a failure message
        QVERIFY2(panel.statusText().contains("no detections JSON"), qPrintable(panel.statusText()));
        panel.selectImage(0);
        QVERIFY(!rec.running);
        QCOMPARE(panel.predictionCanvas()->visibleCount(), 2);

        // Regular weights are a different result: it runs again, without --ema.
        panel.setUseEma(false);
        QVERIFY(rec.running);
        QVERIFY(!rec.spec.arguments.contains("--ema"));
        rec.live->err("rfdetr-train predict: checkpoint.pth: not a PyTorch zip archive\n");
        rec.live->exit(2);
        QVERIFY2(panel.statusText().contains("exit 2") && panel.statusText().contains("not a PyTorch zip archive"),
                 qPrintable(panel.statusText()));
    }

    void batchesStreamOneLinePerImage() {
        FakeTrainerProcess::Record rec;
        PreviewPanel panel(fakeFactory(&rec));
        panel.setTrainerPath("/opt/rfdetr-train");
        panel.setRunDir(m_run);
        panel.addImages({m_dataset + "/valid/p1.png", m_dataset + "/valid/p2.png", m_dir.filePath("mine.png")});
        QVERIFY(rec.live);
        QCOMPARE(rec.spec.arguments.count("--image"), 3);
        QCOMPARE(rec.spec.arguments.filter(".png").size(), 3);
        rec.live->emitStarted();
        const QByteArray first = predictJson(m_dataset + "/valid/p1.png");
        panel.selectImage(1);  // in the running batch: no second process
        QVERIFY2(panel.statusText().contains("p2.png is in the running batch"), qPrintable(panel.statusText()));
        panel.selectImage(0);
        rec.live->out(first.left(30));
        QCOMPARE(panel.predictionCanvas()->visibleCount(), 0);  // half a line: nothing yet
        rec.live->out(first.mid(30) + "\n" + predictJson(m_dataset + "/valid/p2.png") + "\n");
        QCOMPARE(panel.predictionCanvas()->visibleCount(), 1);  // p1 is shown while the rest runs (score >= 0.5)
        rec.live->out(QStringLiteral(R"J({"image":"%1","error":"%1: cannot decode (not an image)"})J").arg(m_dir.filePath("mine.png")).toUtf8() + "\n");
        rec.live->exit(1);  // predict's exit code when an image failed
        QVERIFY2(panel.statusText().contains("3 detection(s)"), qPrintable(panel.statusText()));
        panel.selectImage(1);
        QVERIFY(!rec.running);  // streamed in with the first batch
        QCOMPARE(panel.predictionCanvas()->visibleCount(), 1);  // score >= 0.5: only the 0.91 box
        panel.selectImage(2);
        QVERIFY(!rec.running);
        QVERIFY2(panel.statusText().contains("cannot decode"), qPrintable(panel.statusText()));
        // Changing the checkpoint re-runs from the chosen image on.
        panel.setCheckpoint(QDir(m_run).filePath("checkpoint0009.pth"));
        QVERIFY(rec.running);
        QCOMPARE(rec.spec.arguments.count("--image"), 1);
        QCOMPARE(rec.spec.arguments.value(rec.spec.arguments.indexOf("--image") + 1), m_dir.filePath("mine.png"));
        // A trainer printing one pretty object for a single image is read at the end.
        rec.live->emitStarted();
        rec.live->out("{\n  \"detections\": [],\n  \"image\": \"x\"\n}\n");
        rec.live->exit(0);
        QVERIFY2(panel.statusText().contains("0 detection(s)"), qPrintable(panel.statusText()));
    }

    void ownFilesHaveNoGroundTruth() {
        FakeTrainerProcess::Record rec;
        PreviewPanel panel(fakeFactory(&rec));
        panel.addImages({m_dir.filePath("mine.png")});
        QVERIFY(!rec.live);  // no trainer, no checkpoint: nothing runs
        QCOMPARE(panel.truthCanvas()->visibleCount(), 0);
        QCOMPARE(panel.truthCanvas()->caption(), QString("Ground truth"));
        panel.setTrainerPath("/opt/rfdetr-train");
        QVERIFY(!rec.live);  // still no checkpoint
        panel.setCheckpoint(QDir(m_run).filePath("checkpoint_best_ema.pth"));
        QVERIFY(rec.live);
        QCOMPARE(rec.spec.arguments.value(rec.spec.arguments.indexOf("--weights") + 1), QDir(m_run).filePath("checkpoint_best_ema.pth"));
    }

    void aTrainerFoundLaterPredictsTheChosenImage() {
        FakeTrainerProcess::Record rec;
        PreviewPanel panel(fakeFactory(&rec));
        panel.setRunDir(m_run);
        panel.addImages({m_dir.filePath("mine.png")});
        QVERIFY(!rec.live);  // the trainer check has not answered yet
        panel.setTrainerPath("/opt/rfdetr-train");
        QVERIFY(rec.live);
        QCOMPARE(rec.spec.arguments.value(rec.spec.arguments.indexOf("--image") + 1), m_dir.filePath("mine.png"));
    }

    void firstTrainingBatchFollowsTheRunFolder() {
        FakeTrainerProcess::Record rec;
        PreviewPanel panel(fakeFactory(&rec));
        QPushButton* button = panel.trainBatchButton();
        QVERIFY(!button->isEnabled());
        QVERIFY2(button->toolTip().contains("No run folder"), qPrintable(button->toolTip()));
        const QString run = m_dir.filePath("batch-run");
        QVERIFY(QDir().mkpath(run));
        panel.setRunDir(run);
        QVERIFY(!panel.hasTrainBatch());
        QVERIFY(!button->isEnabled());
        QVERIFY2(button->toolTip().contains("No train_batch0.png in") && button->toolTip().contains("first training step"),
                 qPrintable(button->toolTip()));
        panel.showTrainBatch(true);  // nothing to show: stays on prediction and ground truth
        QVERIFY(!panel.trainBatchShown());

        // The trainer writes it at the first step; the panel sees it on the next check.
        const QString png = run + "/train_batch0.png";
        QImage batch(320, 96, QImage::Format_RGB32);
        batch.fill(Qt::darkGray);
        QVERIFY(batch.save(png));
        QVERIFY(!button->isEnabled());
        panel.refreshTrainBatch();
        QVERIFY(panel.hasTrainBatch());
        QVERIFY(button->isEnabled());
        QVERIFY2(button->toolTip().contains(QDir::toNativeSeparators(png)), qPrintable(button->toolTip()));
        button->click();
        QVERIFY(panel.trainBatchShown());
        QVERIFY(button->isChecked());
        QCOMPARE(panel.trainBatchCanvas()->imageSize(), QSize(320, 96));
        QVERIFY2(panel.trainBatchCanvas()->caption().contains("320×96"), qPrintable(panel.trainBatchCanvas()->caption()));
        QVERIFY(!panel.predictionCanvas()->isVisibleTo(&panel));
        QVERIFY(panel.trainBatchCanvas()->isVisibleTo(&panel));

        // A new run in the same folder rewrites it: shown again from the file.
        QVERIFY(QImage(640, 192, QImage::Format_RGB32).save(png));
        panel.setRunDir(run);
        QCOMPARE(panel.trainBatchCanvas()->imageSize(), QSize(640, 192));

        // Choosing an image goes back to prediction and ground truth; the button toggles.
        panel.addImages({m_dir.filePath("mine.png")});
        QVERIFY(!panel.trainBatchShown());
        QVERIFY(!button->isChecked());
        QVERIFY(panel.predictionCanvas()->isVisibleTo(&panel));
        button->click();
        QVERIFY(panel.trainBatchShown());
        button->click();
        QVERIFY(!panel.trainBatchShown());

        // A damaged file: shown as a message, not an empty picture.
        write(png, "not a png");
        panel.refreshTrainBatch();
        QVERIFY(button->isEnabled());
        panel.showTrainBatch(true);
        QVERIFY(panel.trainBatchShown());
        QVERIFY(panel.trainBatchCanvas()->imageSize().isEmpty());

        // Another run folder without the file: disabled, back to the canvases.
        panel.setRunDir(m_run);
        QVERIFY(!button->isEnabled());
        QVERIFY(!panel.trainBatchShown());
    }
};

QTEST_MAIN(TstPreviewPanel)
#include "tst_preview_panel.moc"
