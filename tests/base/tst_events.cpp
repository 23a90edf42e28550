// Event protocol v1: golden lines, NaN -> null, unknown fields/types, truncated lines.
#include <QtTest>

#include <cmath>
#include <cstdio>
#include <limits>

#include "base/events/event_writer.h"
#include "base/events/events.h"

using namespace studio;

class TstEvents : public QObject {
    Q_OBJECT
private slots:
    void goldenStepLine() {
        StepEvent s;
        s.epoch = 3;
        s.step = 1200;
        s.t = 1772359000.5;
        s.lr = 1e-4;
        s.loss = {{"total", 1.92}, {"ce", 0.61}, {"bbox", 0.44}, {"giou", 0.87}};
        s.imgsPerS = 812.5;
        s.dataWaitMs = 3.1;
        QCOMPARE(QString::fromStdString(encodeEvent(s)),
                 QString(R"({"data_wait_ms":3.1,"epoch":3,"imgs_per_s":812.5,"loss":{"bbox":0.44,"ce":0.61,"giou":0.87,"total":1.92},"lr":0.0001,"step":1200,"t":1772359000.5,"type":"step","v":1})"));
    }
    void stepNamesItsNodeAndGpu() {
        // host and gpu (ARCHITECTURE §5) are written only when known; a line without them reads as unknown.
        StepEvent s;
        s.step = 7;
        s.rank = 3;
        s.host = "node-b";
        s.gpu = 1;
        const std::string line = encodeEvent(s);
        QVERIFY2(line.find(R"("gpu":1)") != std::string::npos && line.find(R"("host":"node-b")") != std::string::npos, line.c_str());
        const ParsedEvent p = parseEventLine(line);
        QVERIFY(p.event);
        const auto& back = std::get<StepEvent>(*p.event);
        QCOMPARE(back.host, std::string("node-b"));
        QCOMPARE(back.gpu, 1);
        QCOMPARE(back.rank, 3);
        const ParsedEvent old = parseEventLine(R"({"v":1,"type":"step","epoch":0,"step":9,"rank":2})");
        QVERIFY(old.event);
        QCOMPARE(std::get<StepEvent>(*old.event).host, std::string());
        QCOMPARE(std::get<StepEvent>(*old.event).gpu, -1);
        QVERIFY(encodeEvent(StepEvent{}).find("gpu") == std::string::npos);
        QVERIFY(encodeEvent(StepEvent{}).find("host") == std::string::npos);
    }
    void goldenDoneAndCheckpoint() {
        QCOMPARE(QString::fromStdString(encodeEvent(DoneEvent{"stopped", 0})),
                 QString(R"({"exit_code":0,"status":"stopped","type":"done","v":1})"));
        CheckpointEvent c;
        c.epoch = 3;
        c.step = 40;
        c.path = "checkpoint.pth";
        c.hasEma = true;
        QCOMPARE(QString::fromStdString(encodeEvent(c)),
                 QString(R"({"epoch":3,"has_ema":true,"kind":"last","path":"checkpoint.pth","step":40,"type":"checkpoint","v":1})"));
    }
    void nonFiniteBecomesNull() {
        StepEvent s;
        s.loss = {{"total", std::numeric_limits<double>::quiet_NaN()}, {"ce", std::numeric_limits<double>::infinity()}};
        const std::string line = encodeEvent(s);
        QVERIFY(line.find(R"("total":null)") != std::string::npos);
        QVERIFY(line.find(R"("ce":null)") != std::string::npos);
        QVERIFY(line.find(R"("nonfinite":true)") != std::string::npos);
        const ParsedEvent p = parseEventLine(line);
        QVERIFY(p.event);
        const auto& back = std::get<StepEvent>(*p.event);
        QVERIFY(std::isnan(back.loss.at("total")));
        // Finite events carry no flag.
        QVERIFY(encodeEvent(StepEvent{}).find("nonfinite") == std::string::npos);
    }
    void unknownFieldsAndTypesAreTolerated() {
        ParsedEvent p = parseEventLine(R"({"v":1,"type":"step","epoch":2,"step":9,"future_field":{"a":1},"loss":{"total":0.5}})");
        QVERIFY(p.event);
        QCOMPARE(std::get<StepEvent>(*p.event).step, 9LL);
        QCOMPARE(std::get<StepEvent>(*p.event).loss.at("total"), 0.5);
        p = parseEventLine(R"({"v":2,"type":"telemetry","x":1})");
        QVERIFY(p.event);
        QCOMPARE(std::get<UnknownEvent>(*p.event).type, std::string("telemetry"));
        // Wrong-typed fields fall back to defaults instead of failing.
        p = parseEventLine(R"({"v":1,"type":"eval","epoch":"three","map50_95":0.4})");
        QVERIFY(p.event);
        QCOMPARE(std::get<EvalEvent>(*p.event).epoch, 0);
        QCOMPARE(std::get<EvalEvent>(*p.event).map5095, 0.4);
    }
    void badLinesAreRejected() {
        // (a plain string: moc's lexer trips over raw strings that end in a quote-less fragment)
        QVERIFY(!parseEventLine("{\"v\":1,\"type\":\"step\",\"epoch\":3,\"lo").event);  // truncated
        QVERIFY(!parseEventLine("").event);
        QVERIFY(!parseEventLine("[1,2]").event);
        QVERIFY(!parseEventLine(R"({"type":"step"})").event);        // no version
        QVERIFY(!parseEventLine(R"({"v":1,"epoch":1})").event);      // no type
        QVERIFY(!parseEventLine("garbage from a crashing process").event);
        QVERIFY(parseEventLine("{\"v\":1,\"type\":\"step\"}\r\n").event);  // line endings are fine
    }
    void everyTypeRoundTrips() {
        HelloEvent h{1, 4, 4242, "0.1.0", "/runs/a", nlohmann::json{{"batch_size", 16}}};
        GpuEvent g;
        g.t = 10;
        g.gpus.push_back({0, "H100", 97, 61234, 81559, 64, 612});
        EvalEvent e;
        e.epoch = 2;
        e.ema = true;
        e.map5095 = 0.41;
        e.map50 = 0.63;
        e.stats = std::vector<double>(12, 0.25);
        e.perClass = {{"Text", 0.5}};
        ErrorEvent er;
        er.rank = 2;
        er.message = "CUDA out of memory";
        er.hint = "try 8 x 2 x 4";
        er.code = "oom";
        er.details = {{"suggest_batch", 8}};
        ProgressEvent pr{"download", "train-0001.parquet", 100, 1000, 50, 18};
        LogEvent l{"warn", 3, "slow rank"};
        for (const Event& ev : std::vector<Event>{h, g, e, er, pr, l}) {
            const std::string line = encodeEvent(ev);
            const ParsedEvent p = parseEventLine(line);
            QVERIFY2(p.event, line.c_str());
            QCOMPARE(eventType(*p.event), eventType(ev));
            QCOMPARE(QString::fromStdString(encodeEvent(*p.event)), QString::fromStdString(line));
        }
    }
    void writerMirrorsToFile() {
        const QString path = QDir::temp().filePath("tst_events_mirror.jsonl");
        QFile::remove(path);
        {
            EventWriter w(nullptr);
            w.mirrorTo(path.toStdString());
            w.publish(DoneEvent{"finished", 0});
            w.publish(StepEvent{});
        }
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().split('\n');
        QCOMPARE(lines.size(), 3);  // two lines + trailing empty
        QVERIFY(parseEventLine(lines[0].toStdString()).event);
        QFile::remove(path);
        EventWriter bad(nullptr);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, bad.mirrorTo("/nonexistent/dir/events.jsonl"));
    }
};

QTEST_GUILESS_MAIN(TstEvents)
#include "tst_events.moc"
