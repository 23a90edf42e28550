// The out-of-memory advice: the split that keeps the effective batch, the sentence users read, the "oom"
// event details (shared agreement with the GUI) and the exact command / environment to resume with.
#include <QtTest>

#include "base/run/oom_advice.h"

using namespace studio;

class TstOomAdvice : public QObject {
    Q_OBJECT

private slots:
    void smallerSplitKeepsTheEffectiveBatch() {
        auto s = smallerSplit(16, 1);
        QVERIFY(s);
        QCOMPARE(s->batchSize, 8);
        QCOMPARE(s->gradAccumSteps, 2);
        s = smallerSplit(6, 1);
        QCOMPARE(s->batchSize, 3);
        QCOMPARE(s->gradAccumSteps, 2);
        s = smallerSplit(5, 2);  // a prime batch can only go to 1
        QCOMPARE(s->batchSize, 1);
        QCOMPARE(s->gradAccumSteps, 10);
        s = smallerSplit(4, 4);
        QCOMPARE(s->batchSize * s->gradAccumSteps, 16);
        QVERIFY(!smallerSplit(1, 8));
        QVERIFY(!smallerSplit(0, 1));
    }

    void adviceReadsAsTheIssueAsks() {
        OomFacts f;
        f.batchSize = 16;
        f.gradAccumSteps = 1;
        f.worldSize = 4;
        f.device = "cuda:2";
        f.usedBytes = static_cast<std::uint64_t>(79.1 * (1ull << 30));
        f.totalBytes = 80ull << 30;
        f.outputDir = "runs/forms a";
        f.checkpointSaved = true;
        const OomAdvice a = makeOomAdvice(f);
        QCOMPARE(a.message, std::string("batch 16 \xC3\x97 accum 1 \xC3\x97 4 GPUs = 64 ran out of memory on GPU 2: "
                                        "79.1 of 80.0 GiB in use; try 8 \xC3\x97 2 \xC3\x97 4 = 64"));
        QCOMPARE(a.command, std::string("rfdetr-train --config 'runs/forms a/config.json' --resume auto "
                                        "--batch-size 8 --grad-accum-steps 2"));
        QCOMPARE(a.env, std::string("BATCH_SIZE=8 GRAD_ACCUM_STEPS=2 RESUME_CHECKPOINT=auto"));
        QVERIFY(a.hint.find(a.command) != std::string::npos);
        QVERIFY(a.hint.find("last good step") != std::string::npos);
        const nlohmann::json expected = {{"batch_size", 16},
                                         {"grad_accum_steps", 1},
                                         {"num_gpus", 4},
                                         {"effective_batch", 64},
                                         {"suggested", {{"batch_size", 8}, {"grad_accum_steps", 2}}},
                                         {"device", "cuda:2"},
                                         {"used_bytes", *f.usedBytes},
                                         {"total_bytes", 80ull << 30},
                                         {"command", a.command},
                                         {"env", a.env}};
        QCOMPARE(a.details, expected);
    }

    void unknownFactsAreLeftOut() {
        OomFacts f;
        f.batchSize = 1;
        f.gradAccumSteps = 2;
        const OomAdvice a = makeOomAdvice(f);
        QCOMPARE(a.message, std::string("batch 1 \xC3\x97 accum 2 = 2 ran out of memory"));
        QVERIFY(!a.suggested);
        QVERIFY(a.command.empty());
        for (const char* k : {"device", "used_bytes", "total_bytes", "suggested", "command", "env"})
            QVERIFY2(!a.details.contains(k), k);
        QVERIFY(a.hint.find("--resolution") != std::string::npos);
        QVERIFY(a.hint.find("the last checkpoint") != std::string::npos);
    }

    void shellQuoting() {
        QCOMPARE(shellQuote("runs/a-1.x"), std::string("runs/a-1.x"));
        QCOMPARE(shellQuote("it's"), std::string("'it'\\''s'"));
        QCOMPARE(shellQuote(""), std::string("''"));
        QCOMPARE(formatGiB(3ull << 29), std::string("1.5 GiB"));
    }

    void whereUsesOneWordingAndOneRounding() {
        const std::uint64_t used = static_cast<std::uint64_t>(5.3 * (1ull << 30));
        const std::uint64_t total = static_cast<std::uint64_t>(23.5 * (1ull << 30));
        QCOMPARE(outOfMemoryWhere("cpu", used, total),
                 std::string(" on the host (CPU memory): 5.3 of 23.5 GiB in use"));
        QCOMPARE(outOfMemoryWhere("cuda:0", 1ull << 30, 80ull << 30), std::string(" on GPU 0: 1.0 of 80.0 GiB in use"));
        QCOMPARE(outOfMemoryWhere("mps", std::nullopt, std::nullopt), std::string(" on mps"));
        QCOMPARE(outOfMemoryWhere("cuda:3", used, std::nullopt), std::string(" on GPU 3"));
        QCOMPARE(outOfMemoryWhere("", used, total), std::string(": 5.3 of 23.5 GiB in use"));
        QCOMPARE(outOfMemoryWhere("cpu", used, std::uint64_t(0)), std::string(" on the host (CPU memory)"));
        QCOMPARE(outOfMemoryWhere("", std::nullopt, std::nullopt), std::string());
    }
};

QTEST_GUILESS_MAIN(TstOomAdvice)
#include "tst_oom_advice.moc"
