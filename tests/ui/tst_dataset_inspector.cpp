// Dataset inspector (CocoIndex underneath): COCO folders (split counts, classes), a folder that is not a dataset, a missing valid
// split, malformed annotations, demo and hf: specs, and the asynchronous inspector keeping only the latest.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/config/dataset_inspector.h"

using namespace studio::ui;

Q_DECLARE_METATYPE(studio::ui::DatasetSummary)

namespace {
void writeSplit(const QString& root, const QString& split, int images, int boxesPerImage) {
    QDir().mkpath(root + "/" + split);
    QFile f(root + "/" + split + "/_annotations.coco.json");
    QVERIFY(f.open(QIODevice::WriteOnly));
    QByteArray j = R"({"info":{"description":"t"},"categories":[{"id":0,"name":"forms","supercategory":"none"},)"
                   R"({"id":1,"name":"Text","supercategory":"forms"},{"id":2,"name":"CheckBox","supercategory":"forms"}],"images":[)";
    for (int i = 0; i < images; ++i)
        j += (i ? "," : "") + QStringLiteral(R"({"id":%1,"file_name":"p%1.png","width":800,"height":1000})").arg(i).toUtf8();
    j += R"(],"annotations":[)";
    int id = 0;
    for (int i = 0; i < images; ++i)
        for (int b = 0; b < boxesPerImage; ++b, ++id) {
            if (id > 0) j += ",";
            j += QStringLiteral(R"({"id":%1,"image_id":%2,"category_id":1,"bbox":[1,2,3,4],"area":12,"iscrowd":0})")
                     .arg(id).arg(i).toUtf8();
        }
    j += "]}";
    f.write(j);
}
}  // namespace

class TstDatasetInspector : public QObject {
    Q_OBJECT
private slots:
    void cocoFolderSummary() {
        QTemporaryDir dir;
        writeSplit(dir.path(), "train", 30, 3);
        writeSplit(dir.path(), "valid", 6, 2);
        const DatasetSummary d = inspectDataset(dir.path());
        QCOMPARE(d.kind, DatasetSummary::Kind::Folder);
        QVERIFY2(d.problems.empty(), d.problems.empty() ? "" : d.problems[0].toString().c_str());
        QCOMPARE(d.trainImages(), 30LL);
        QCOMPARE(d.train.boxes, 90LL);
        QCOMPARE(d.valid.images, 6LL);
        QVERIFY(!d.test.present);
        QCOMPARE(d.train.categories, (QStringList{"forms", "Text", "CheckBox"}));
        QVERIFY2(d.text.contains("train 30 images, 90 boxes"), qPrintable(d.text));
        // The classes the trainer trains: "forms" (supercategory none) is not one; ids 0..2 -> 3 logits.
        QCOMPARE(d.train.classes, (QStringList{"Text", "CheckBox"}));
        QCOMPARE(d.classLogits(), 3);
        QCOMPARE(d.classCount(), 2);
        QVERIFY2(d.text.contains("2 classes: Text, CheckBox"), qPrintable(d.text));
    }
    void notADatasetAndMissingSplits() {
        QTemporaryDir dir;
        DatasetSummary d = inspectDataset(dir.path());
        QCOMPARE(d.problems.size(), size_t(1));
        QVERIFY(QString::fromStdString(d.problems[0].message).contains("not a COCO dataset folder"));
        QVERIFY(QString::fromStdString(d.problems[0].fix).contains("train/ and valid/"));
        QCOMPARE(d.problems[0].field, std::string("dataset"));
        writeSplit(dir.path(), "train", 2, 1);
        d = inspectDataset(dir.path());
        QCOMPARE(d.problems.size(), size_t(1));
        QVERIFY(QString::fromStdString(d.problems[0].message).contains("no valid/_annotations.coco.json"));
    }
    void malformedAnnotationsNameTheFile() {
        QTemporaryDir dir;
        writeSplit(dir.path(), "train", 2, 1);
        QDir().mkpath(dir.path() + "/valid");
        QFile f(dir.path() + "/valid/_annotations.coco.json");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"images":[{"id":1,)");
        f.close();
        const DatasetSummary d = inspectDataset(dir.path());
        QCOMPARE(d.problems.size(), size_t(1));
        const QString msg = QString::fromStdString(d.problems[0].message);
        QVERIFY2(msg.contains("valid/_annotations.coco.json") && msg.contains("malformed JSON"), qPrintable(msg));
    }
    void emptySplitIsAProblem() {
        QTemporaryDir dir;
        writeSplit(dir.path(), "train", 0, 0);
        writeSplit(dir.path(), "valid", 1, 1);
        const DatasetSummary d = inspectDataset(dir.path());
        QCOMPARE(d.problems.size(), size_t(1));
        QVERIFY(QString::fromStdString(d.problems[0].message).contains("train split has no images"));
    }
    void demoAndHub() {
        DatasetSummary d = inspectDataset("demo");
        QCOMPARE(d.kind, DatasetSummary::Kind::Demo);
        QCOMPARE(d.trainImages(), -1LL);
        QCOMPARE(d.classLogits(), 4);  // text field, choice button, signature + the "forms" id 0
        QCOMPARE(d.classCount(), 3);
        QVERIFY(d.problems.empty());
        d = inspectDataset("hf:jbarrow/CommonForms@main");
        QCOMPARE(d.kind, DatasetSummary::Kind::Hub);
        QCOMPARE(d.classLogits(), 0);  // unknown until the trainer read it
        QVERIFY(d.problems.empty());
        QVERIFY(d.text.contains("jbarrow/CommonForms"));
        d = inspectDataset("hf:bad name");
        QCOMPARE(d.problems.size(), size_t(1));
    }
    void asyncKeepsOnlyTheLatestRequest() {
        qRegisterMetaType<studio::ui::DatasetSummary>();
        QTemporaryDir dir;
        writeSplit(dir.path(), "train", 5, 1);
        writeSplit(dir.path(), "valid", 1, 1);
        DatasetInspector insp;
        QSignalSpy spy(&insp, &DatasetInspector::inspected);
        insp.inspect("demo");
        insp.inspect(dir.path());
        QTRY_VERIFY(!insp.busy());
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.first().at(0).value<DatasetSummary>().trainImages(), 5LL);
    }
};

QTEST_GUILESS_MAIN(TstDatasetInspector)
#include "tst_dataset_inspector.moc"
