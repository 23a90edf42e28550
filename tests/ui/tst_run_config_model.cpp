// RunConfigModel: field edits through the field table, inline problems per field, the effective-batch line
// and steps per epoch (computed by studio_base), Start blocked while any error stands.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <unistd.h>

#include "base/config/model_sizes.h"
#include "ui/config/run_config_model.h"

using namespace studio;
using namespace studio::ui;

class TstRunConfigModel : public QObject {
    Q_OBJECT
private slots:
    void defaultsAreValid() {
        RunConfigModel m;
        QVERIFY2(!m.hasErrors(), qPrintable(m.errorKeys().join(",")));
        QCOMPARE(m.fieldText("dataset"), QString("demo"));
        QCOMPARE(m.fieldText("model_size"), QString("medium"));
        QCOMPARE(m.fieldText("resolution"), QString());  // 0 = the size's default, shown empty
    }
    void effectiveBatchFollowsEveryEdit() {
        RunConfigModel m;
        QSignalSpy changed(&m, &RunConfigModel::changed);
        QVERIFY(m.setFieldText("batch_size", "16"));
        QVERIFY(m.setFieldText("grad_accum_steps", "1"));
        QVERIFY(m.setFieldText("num_gpus", "4"));
        QCOMPARE(changed.count(), 3);
        QCOMPARE(m.effectiveBatchText(), QString::fromUtf8("Effective batch = 16 × 1 × 4 = 64"));
        QCOMPARE(m.effectiveBatch(), 64LL);
        QVERIFY(m.setFieldText("batch_size", "8"));
        QVERIFY(m.setFieldText("grad_accum_steps", "2"));
        QCOMPARE(m.effectiveBatchText(), QString::fromUtf8("Effective batch = 8 × 2 × 4 = 64"));
        // nproc_per_node overrides the GPU count (CPU/Gloo ranks).
        QVERIFY(m.setFieldText("nproc_per_node", "2"));
        QCOMPARE(m.effectiveBatchText(), QString::fromUtf8("Effective batch = 8 × 2 × 2 = 32"));
    }
    void stepsPerEpochUsesTheDatasetSize() {
        RunConfigModel m;
        m.setFieldText("batch_size", "16");
        m.setFieldText("grad_accum_steps", "1");
        m.setFieldText("num_gpus", "4");
        QCOMPARE(m.stepsPerEpoch(), 0LL);
        QVERIFY(m.stepsPerEpochText().contains("known once"));
        m.setTrainImages(1000);
        QCOMPARE(m.stepsPerEpoch(), 16LL);  // ceil(1000 / 64)
        QVERIFY(m.stepsPerEpochText().startsWith("16 optimiser steps per epoch"));
        m.setFieldText("num_gpus", "1");
        QCOMPARE(m.stepsPerEpoch(), 63LL);
    }
    // The model line counts the configured model's parameters: queries, groups and the dataset's classes
    // (trainableParameters is checked against the built model in tst_model_shapes).
    void modelSummaryCountsTheConfiguredModel() {
        RunConfigModel m;
        QVERIFY(m.setFieldText("model_size", "small"));
        QVERIFY(m.setFieldText("resolution", "224"));
        QString text = m.modelSummaryText();
        QVERIFY2(text.contains("32.1 M parameters (COCO's 90 classes until the dataset is read, 300 queries × 13 groups)"),
                 qPrintable(text));
        QVERIFY2(text.startsWith("RF-DETR small at 224 px · 3 decoder layers"), qPrintable(text));
        QSignalSpy changed(&m, &RunConfigModel::changed);
        m.setDatasetClasses(3, 4);  // the demo
        QCOMPARE(changed.count(), 1);
        QVERIFY(m.setFieldText("num_queries", "50"));
        text = m.modelSummaryText();
        const QString count = QLocale().toString(studio::trainableParameters(studio::ModelSize::Small, 4, 50, 13) / 1e6, 'f', 1);
        QVERIFY2(text.contains(count + " M parameters (3 classes, 50 queries × 13 groups)"), qPrintable(text));
        QVERIFY(count != QLocale().toString(32.1, 'f', 1));
    }
    void textThatDoesNotParseIsMarkedAndKeepsTheOldValue() {
        RunConfigModel m;
        m.setFieldText("batch_size", "16");
        QSignalSpy problems(&m, &RunConfigModel::problemsChanged);
        QVERIFY(!m.setFieldText("batch_size", "16x"));
        QVERIFY(problems.count() >= 1);
        QVERIFY(m.hasErrors());
        QCOMPARE(m.errorKeys(), QStringList{"batch_size"});
        QCOMPARE(m.problemsFor("batch_size").size(), 1);
        QVERIFY(m.problemsFor("batch_size").first().contains("not a whole number"));
        QCOMPARE(m.config().batchSize, 16);
        QVERIFY(m.setFieldText("batch_size", "12"));
        QVERIFY(!m.hasErrors());
    }
    void validationProblemsAreInlineWithTheirFix() {
        RunConfigModel m;
        QVERIFY(m.setFieldText("batch_size", "0"));  // parses, but invalid
        QVERIFY(m.hasErrors());
        const QStringList p = m.problemsFor("batch_size");
        QCOMPARE(p.size(), 1);
        QVERIFY(p.first().contains("must be at least 1"));
        QVERIFY(p.first().contains("Fix:"));
        QVERIFY(m.setFieldText("resolution", "500"));
        QVERIFY(m.problemsFor("resolution").first().contains("multiple of 32"));
        QVERIFY(m.setFieldText("resolution", ""));  // back to the size's default
        QVERIFY(m.problemsFor("resolution").isEmpty());
        QVERIFY(m.setFieldText("batch_size", "4"));
        QVERIFY(!m.hasErrors());
    }
    void datasetSpecsAreChecked() {
        RunConfigModel m;
        QVERIFY(m.setFieldText("dataset", "hf:jbarrow/CommonForms@main"));
        QVERIFY(!m.hasErrors());
        QVERIFY(m.setFieldText("dataset", "hf:not a repo"));
        QVERIFY(m.problemsFor("dataset").first().contains("Hugging Face"));
        QVERIFY(m.setFieldText("dataset", "/nonexistent/folder"));
        QVERIFY(m.problemsFor("dataset").first().contains("does not exist"));
    }
    void outputFolderWithoutWritePermissionIsAnError() {
        if (::geteuid() == 0) QSKIP("root can write anywhere");
        QTemporaryDir dir;
        QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::ExeOwner);
        RunConfigModel m;
        QVERIFY(m.setFieldText("output_dir", dir.path() + "/run1"));
        QVERIFY(m.problemsFor("output_dir").first().contains("not writable"));
        QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    }
    void outputFolderThatIsAFileIsAnError() {
        QTemporaryDir dir;
        QFile f(dir.path() + "/file");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        RunConfigModel m;
        QVERIFY(m.setFieldText("output_dir", f.fileName()));
        QVERIFY(m.problemsFor("output_dir").first().contains("not a folder"));
    }
    void externalProblemsJoinAndClear() {
        RunConfigModel m;
        m.setExternalProblems("dataset", {{Severity::Error, "dataset", "x", "is not a COCO dataset folder", "choose one"}});
        QVERIFY(m.hasErrors());
        QCOMPARE(m.problemsFor("dataset").size(), 1);
        m.setExternalProblems("dataset", {});
        QVERIFY(!m.hasErrors());
    }
    void choicesBoolsListsAndUnknownKeys() {
        RunConfigModel m;
        QVERIFY(m.setFieldText("model_size", "large"));
        QCOMPARE(m.config().modelSize, ModelSize::Large);
        QVERIFY(!m.setFieldText("model_size", "huge"));
        QVERIFY(m.problemsFor("model_size").first().contains("not a model size"));
        QVERIFY(m.setFieldText("model_size", "small"));
        QVERIFY(m.setFieldText("use_ema", "false"));
        QCOMPARE(m.fieldText("use_ema"), QString("false"));
        QVERIFY(m.setFieldText("gpu_ids", "0,2"));
        QCOMPARE(m.fieldText("gpu_ids"), QString("0,2"));
        QVERIFY(m.setFieldText("gpu_ids", ""));
        QVERIFY(m.config().gpuIds.empty());
        QVERIFY(m.setFieldText("lr", "2e-4"));
        QCOMPARE(m.config().lr, 2e-4);
        QCOMPARE(m.fieldText("lr"), QString("0.0002"));
        QVERIFY(!m.setFieldText("no_such_key", "1"));
    }
    void setConfigReplacesEverythingAndClearsParseErrors() {
        RunConfigModel m;
        m.setFieldText("epochs", "abc");
        QVERIFY(m.hasErrors());
        RunConfig c = defaultRunConfig(ModelSize::Small);
        c.epochs = 7;
        m.setConfig(c);
        QVERIFY(!m.hasErrors());
        QCOMPARE(m.fieldText("epochs"), QString("7"));
    }
};

QTEST_GUILESS_MAIN(TstRunConfigModel)
#include "tst_run_config_model.moc"
