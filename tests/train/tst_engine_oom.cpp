// Out of memory in a training step (issue 11): the run stops as failed with code "oom", checkpoints the last
// good state (the failed step's partial gradients discarded: resuming reproduces the uninterrupted run bit
// for bit), suggests the split that keeps the effective batch, and resuming with that split finishes the run.
// The failure is injected through TrainerOptions::beforeMicroBatch (a CUDA OOM as LibTorch throws it, and
// std::bad_alloc for the host).
#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <csignal>
#include <new>

#include "engine_run_helpers.h"
#include "base/run/oom_advice.h"
#include "train/engine/out_of_memory.h"

#include <QTemporaryDir>
#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio;
using namespace studio::train;
using namespace studio::train::testing;

namespace {

[[noreturn]] void throwCudaOom() {
    TORCH_CHECK_WITH(OutOfMemoryError, false,
                     "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB total capacity)");
    std::abort();
}

/// Injects an out-of-memory at (step, micro-batch).
std::function<void(long long, int)> oomAt(long long step, int micro, bool host = false) {
    return [=](long long s, int m) {
        if (s != step || m != micro) return;
        if (host) throw std::bad_alloc();
        throwCudaOom();
    };
}

}  // namespace

class TstEngineOom : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string dir(const char* name) { return m_dir.filePath(name).toStdString(); }

private slots:
    void initTestCase() { std::signal(SIGXFSZ, SIG_IGN); }

    void recognisesOutOfMemoryExceptions() {
        try {
            throwCudaOom();
        } catch (const std::exception& e) {
            QVERIFY(isOutOfMemory(e));
            QCOMPARE(firstLine(e.what()).rfind("CUDA out of memory. Tried to allocate 2.00 GiB", 0), std::size_t(0));
        }
        try {
            TORCH_CHECK(false, "CUDA error: out of memory");  // LibTorch 1.13 raises a plain c10::Error
        } catch (const std::exception& e) {
            QVERIFY(isOutOfMemory(e));
        }
        try {
            TORCH_CHECK(false, "shape mismatch");
        } catch (const std::exception& e) {
            QVERIFY(!isOutOfMemory(e));
        }
        QVERIFY(isOutOfMemory(std::bad_alloc()));
        QVERIFY(!isOutOfMemory(std::runtime_error("memory")));
        const DeviceMemoryFacts host = deviceMemoryFacts(c10::Device(c10::kCPU));
        QCOMPARE(host.device, std::string("cpu"));
        QVERIFY(host.totalBytes && *host.totalBytes > (1ull << 28));
        QVERIFY(host.usedBytes && *host.usedBytes <= *host.totalBytes);
    }

    void oomStopsWithTheLastGoodStateAndResumesExactly() {
        const RunConfig cfg = tinyConfig();  // 2 × 2, 3 steps per epoch, 6 steps
        Run whole = makeRun(cfg, dir("whole"));
        QCOMPARE(whole.trainer->run().globalStep, std::int64_t(6));
        const auto reference = stepLosses(dir("whole"));
        QCOMPARE(reference.size(), std::size_t(6));

        // Step 4 (0-based, mid-epoch 1) fails in its second micro-batch, after the first one's backward.
        TrainOutcome o;
        {
            Run r = makeRun(cfg, dir("oom"), {}, nullptr, {0.1, 0.2, 0.3, 0.4}, 4, oomAt(4, 1));
            o = r.trainer->run();
        }
        QCOMPARE(o.status, TrainStatus::Failed);
        QCOMPARE(o.exitCode, 1);
        QCOMPARE(o.errorCode, std::string("oom"));
        QCOMPARE(o.globalStep, std::int64_t(4));
        QVERIFY(o.checkpointSaved);
        QVERIFY2(o.message.rfind("batch 2 \xC3\x97 accum 2 = 4 ran out of memory on the host (CPU memory): ", 0) == 0,
                 o.message.c_str());
        QVERIFY2(o.message.find("try 1 \xC3\x97 4 \xC3\x97 1 = 4") != std::string::npos, o.message.c_str());
        QVERIFY2(o.message.find("CUDA out of memory. Tried to allocate") != std::string::npos, o.message.c_str());
        const nlohmann::json& d = o.errorDetails;
        QCOMPARE(d["batch_size"].get<int>(), 2);
        QCOMPARE(d["grad_accum_steps"].get<int>(), 2);
        QCOMPARE(d["num_gpus"].get<int>(), 1);
        QCOMPARE(d["effective_batch"].get<int>(), 4);
        QCOMPARE(d["suggested"]["batch_size"].get<int>(), 1);
        QCOMPARE(d["suggested"]["grad_accum_steps"].get<int>(), 4);
        QCOMPARE(d["device"].get<std::string>(), std::string("cpu"));
        QCOMPARE(d["env"].get<std::string>(), std::string("BATCH_SIZE=1 GRAD_ACCUM_STEPS=4 RESUME_CHECKPOINT=auto"));
        QCOMPARE(d["command"].get<std::string>(), "rfdetr-train --config " + shellQuote(dir("oom") + "/config.json") +
                                                      " --resume auto --batch-size 1 --grad-accum-steps 4");
        // The checkpoint is the state after step 4's predecessor: epoch 1, one step into it, not complete.
        const LoadedCheckpoint c = readCheckpointFile(RunFolder{dir("oom")}.checkpoint());
        QVERIFY(c.state);
        QCOMPARE(c.state->globalStep, std::int64_t(4));
        QCOMPARE(c.state->epoch, 1);
        QCOMPARE(c.state->stepInEpoch, std::int64_t(1));
        QVERIFY(!c.state->epochComplete);
        const auto ckpts = readEvents(dir("oom"), "checkpoint");
        QVERIFY(!ckpts.empty());

        // Resuming with the same split replays step 4 and ends bit for bit where the uninterrupted run did:
        // nothing of the failed step (its first micro-batch's gradients) leaked into the weights or the optimiser.
        QDir().mkpath(QString::fromStdString(dir("same")));
        fs::copy(dir("oom"), dir("same"), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
        Run same = makeRun(cfg, dir("same"), readCheckpointFile(RunFolder{dir("same")}.checkpoint()));
        QCOMPARE(same.trainer->run().globalStep, std::int64_t(6));
        const auto resumed = stepLosses(dir("same"));
        for (long long step : {5LL, 6LL})
            QVERIFY2(resumed.at(step) == reference.at(step),
                     (std::to_string(step) + ": " + resumed.at(step).dump() + " vs " + reference.at(step).dump()).c_str());
        const auto wa = readCheckpointFile(RunFolder{dir("whole")}.checkpoint());
        const auto wb = readCheckpointFile(RunFolder{dir("same")}.checkpoint());
        for (std::size_t i = 0; i < wa.model.size(); ++i) QVERIFY(at::equal(wa.model[i].second, wb.model[i].second));

        // Resuming with the suggested split (1 × 4: the same effective batch) finishes the run.
        RunConfig smaller = cfg;
        smaller.batchSize = d["suggested"]["batch_size"].get<int>();
        smaller.gradAccumSteps = d["suggested"]["grad_accum_steps"].get<int>();
        Run rest = makeRun(smaller, dir("oom"), readCheckpointFile(RunFolder{dir("oom")}.checkpoint()));
        QCOMPARE(rest.trainer->state().globalStep, std::int64_t(4));
        const TrainOutcome done = rest.trainer->run();
        QCOMPARE(done.status, TrainStatus::Finished);
        QCOMPARE(done.globalStep, std::int64_t(6));
        const auto after = stepLosses(dir("oom"));
        QVERIFY(after.count(5) && after.count(6));
        QVERIFY(std::isfinite(after.at(6)["total"].get<double>()));
    }

    void hostOutOfMemoryInTheFirstStep() {
        RunConfig cfg = tinyConfig();
        cfg.batchSize = 1;  // nothing smaller to suggest
        cfg.gradAccumSteps = 4;
        Run r = makeRun(cfg, dir("host"), {}, nullptr, {0.1, 0.2, 0.3, 0.4}, 4, oomAt(0, 0, true));
        const TrainOutcome o = r.trainer->run();
        QCOMPARE(o.errorCode, std::string("oom"));
        QCOMPARE(o.globalStep, std::int64_t(0));
        QVERIFY(!o.errorDetails.contains("suggested"));
        QVERIFY(!o.errorDetails.contains("command"));
        QVERIFY2(o.hint.find("--resolution") != std::string::npos, o.hint.c_str());
        QVERIFY2(o.message.find("ran out of memory on the host (CPU memory)") != std::string::npos, o.message.c_str());
        const LoadedCheckpoint c = readCheckpointFile(RunFolder{dir("host")}.checkpoint());
        QCOMPARE(c.state->globalStep, std::int64_t(0));
    }
};

QTEST_GUILESS_MAIN(TstEngineOom)
#include "tst_engine_oom.moc"
