// "Predict memory/speed": the plan command's JSON (shared agreement) is read and phrased for the calculator;
// PlanRunner launches `rfdetr-train plan --config <tmp> --json` with the form's values and reports trainer
// failures and garbage output as messages.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QtTest>

#include "fake_trainer_process.h"
#include "ui/process/plan_runner.h"

using namespace studio;
using namespace studio::ui;
using studio::ui::testing::FakeTrainerProcess;
using studio::ui::testing::fakeFactory;

Q_DECLARE_METATYPE(studio::ui::PlanResult)

namespace {
const QByteArray kFits = R"({"device":"cuda:0","device_name":"NVIDIA H100 80GB HBM3","model_size":"medium","resolution":576,)"
                         R"("batch_size":16,"peak_memory_bytes":12025908428,"device_memory_bytes":85899345920,)"
                         R"("images_per_s":45.25,"fits":true,"probe":{"points":[[2,3e9],[4,4e9]]},"cached":false})";
const QByteArray kTooBig = R"({"device":"cuda:0","model_size":"large","resolution":704,"batch_size":32,)"
                           R"("peak_memory_bytes":107374182400,"device_memory_bytes":85899345920,"images_per_s":20,)"
                           R"("fits":false,"suggested":{"batch_size":16,"grad_accum_steps":2},"cached":true})";
}  // namespace

class TstPlanRunner : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { qRegisterMetaType<PlanResult>(); }

    void parsesAndPhrasesAFit() {
        QString err;
        const auto p = parsePlanJson("probing...\n" + kFits + "\n", &err);
        QVERIFY2(p, qPrintable(err));
        QCOMPARE(p->device, QString("cuda:0"));
        QCOMPARE(p->batchSize, 16);
        QCOMPARE(p->resolution, 576);
        QVERIFY(p->fits);
        QVERIFY(!p->cached);
        QCOMPARE(planText(*p), QString::fromUtf8("Predicted peak 11.2 GiB of 80.0 GiB per GPU (NVIDIA H100 80GB HBM3) · 45.3 img/s — fits"));
    }

    void phrasesASuggestionWhenItDoesNotFit() {
        const auto p = parsePlanJson(kTooBig, nullptr);
        QVERIFY(p);
        QVERIFY(!p->fits);
        QCOMPARE(p->suggestedBatch, 16);
        QCOMPARE(p->suggestedAccum, 2);
        QCOMPARE(planText(*p), QString::fromUtf8("Predicted peak 100.0 GiB of 80.0 GiB per GPU · 20.0 img/s — does NOT fit: "
                                                 "try batch 16 × accumulation 2 (cached probe)"));
        const auto cpu = parsePlanJson(R"({"device":"cpu","peak_memory_bytes":2147483648,"device_memory_bytes":0,"images_per_s":0.5,"fits":true})", nullptr);
        QVERIFY(cpu);
        QCOMPARE(planText(*cpu), QString::fromUtf8("Predicted peak 2.0 GiB (CPU) · 0.5 img/s — fits"));
    }

    void rejectsOutputThatIsNotAPlan() {
        QString err;
        QVERIFY(!parsePlanJson("", &err));
        QVERIFY(err.contains("no JSON"));
        QVERIFY(!parsePlanJson(R"({"device":"cpu"})", &err));
        QVERIFY(err.contains("peak_memory_bytes"));
        QVERIFY(!parsePlanJson("{not json}", &err));
    }

    void launchesPlanWithTheFormsConfig() {
        FakeTrainerProcess::Record rec;
        PlanRunner runner(fakeFactory(&rec));
        QString err;
        QVERIFY(!runner.run(defaultRunConfig(), &err));  // no trainer yet
        QVERIFY(err.contains("Trainer"));
        runner.setTrainerPath("/opt/rfdetr-train");
        RunConfig c = defaultRunConfig();
        c.batchSize = 6;
        c.gradAccumSteps = 3;
        c.hfToken = "hf_secret";
        qputenv("BATCH_SIZE", "99");
        QVERIFY2(runner.run(c, &err), qPrintable(err));
        QVERIFY(runner.busy());
        QCOMPARE(rec.spec.program, QString("/opt/rfdetr-train"));
        QCOMPARE(rec.spec.arguments.value(0), QString("plan"));
        QVERIFY(rec.spec.arguments.contains("--json"));
        const int at = int(rec.spec.arguments.indexOf("--config"));
        QVERIFY(at > 0);
        QFile f(rec.spec.arguments.value(at + 1));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QVERIFY(!text.contains("hf_secret"));  // secrets only through the environment
        const QJsonObject j = QJsonDocument::fromJson(text).object();
        QCOMPARE(j.value("batch_size").toInt(), 6);
        QCOMPARE(j.value("grad_accum_steps").toInt(), 3);
        QVERIFY(!rec.spec.environment.contains("BATCH_SIZE"));  // the seed's variables would override the form
        qunsetenv("BATCH_SIZE");

        QSignalSpy planned(&runner, &PlanRunner::planned);
        rec.live->emitStarted();
        rec.live->err("[info] probing batch 1 and 2\n");
        rec.live->out(kFits.left(40));
        rec.live->out(kFits.mid(40) + "\n");
        rec.live->exit(0);
        QCOMPARE(planned.size(), 1);
        QCOMPARE(planned.at(0).at(0).value<PlanResult>().imagesPerS, 45.25);
        QVERIFY(!runner.busy());
    }

    void reportsTrainerFailures() {
        FakeTrainerProcess::Record rec;
        PlanRunner runner(fakeFactory(&rec));
        runner.setTrainerPath("/opt/rfdetr-train");
        QSignalSpy failed(&runner, &PlanRunner::failed);
        QString err;
        QVERIFY(runner.run(defaultRunConfig(), &err));
        rec.live->emitStarted();
        rec.live->err("rfdetr-train plan: not available in this build yet\n");
        rec.live->exit(1);
        QCOMPARE(failed.size(), 1);
        QVERIFY2(failed.at(0).at(0).toString().contains("exit 1"), qPrintable(failed.at(0).at(0).toString()));
        QVERIFY(failed.at(0).at(0).toString().contains("not available in this build yet"));

        QVERIFY(runner.run(defaultRunConfig(), &err));
        rec.live->failToStart("No such file");
        QCOMPARE(failed.size(), 2);
        QVERIFY(failed.at(1).at(0).toString().contains("No such file"));

        QVERIFY(runner.run(defaultRunConfig(), &err));
        rec.live->out("Peak memory: 3 GiB\n");  // a table instead of --json
        rec.live->exit(0);
        QCOMPARE(failed.size(), 3);
        QVERIFY(failed.at(2).at(0).toString().contains("no JSON"));
    }

    void cancelDropsTheResult() {
        FakeTrainerProcess::Record rec;
        PlanRunner runner(fakeFactory(&rec));
        runner.setTrainerPath("/opt/rfdetr-train");
        QSignalSpy planned(&runner, &PlanRunner::planned);
        QString err;
        QVERIFY(runner.run(defaultRunConfig(), &err));
        rec.live->emitStarted();
        runner.cancel();
        QCOMPARE(rec.kills, 1);
        QVERIFY(!runner.busy());
        QCOMPARE(planned.size(), 0);
    }
};

QTEST_MAIN(TstPlanRunner)
#include "tst_plan_runner.moc"
