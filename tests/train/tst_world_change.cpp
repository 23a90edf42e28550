// Resume across world sizes: what --keep-effective-batch does to grad_accum_steps, what is reported
// otherwise, and how the resume position is carried over in steps of the new effective batch.
#include <QtTest>

#include "train/engine/world_change.h"

using namespace studio;
using namespace studio::train;

namespace {
TrainingState savedBy(int world, int batch, int accum) {
    TrainingState s;
    s.worldSize = world;
    s.config = {{"batch_size", batch}, {"grad_accum_steps", accum}};
    return s;
}
RunConfig config(int batch, int accum, bool keep) {
    RunConfig c;
    c.batchSize = batch;
    c.gradAccumSteps = accum;
    c.keepEffectiveBatch = keep;
    return c;
}
}  // namespace

class TstWorldChange : public QObject {
    Q_OBJECT
private slots:
    void sameWorldChangesNothing() {
        const WorldChange w = planWorldChange(savedBy(2, 4, 2), config(4, 2, true), 2);
        QCOMPARE(w.gradAccumSteps, 2);
        QVERIFY(!w.adjusted);
        QVERIFY(w.message.empty());
        QCOMPARE(w.effective, 16LL);
    }

    void keepEffectiveBatchAdjustsAccumulation() {
        // 4 GPUs x 4 x 1 = 16 -> 1 GPU: A = 4; 1 x 4 x 4 = 16 -> 2 GPUs: A = 2.
        WorldChange w = planWorldChange(savedBy(4, 4, 1), config(4, 1, true), 1);
        QCOMPARE(w.gradAccumSteps, 4);
        QVERIFY(w.adjusted);
        QCOMPARE(w.effective, 16LL);
        QVERIFY2(w.message.find("sets grad_accum_steps to 4") != std::string::npos, w.message.c_str());
        w = planWorldChange(savedBy(1, 4, 4), config(4, 4, true), 2);
        QCOMPARE(w.gradAccumSteps, 2);
        QCOMPARE(w.effective, 16LL);
    }

    void anEffectiveBatchThatCannotBeKeptIsAProblem() {
        const WorldChange w = planWorldChange(savedBy(1, 3, 1), config(3, 1, true), 2);  // 3 over 2 x 3
        QVERIFY(w.problem.has_value());
        QCOMPARE(w.problem->field, std::string("--keep-effective-batch"));
        QVERIFY(w.problem->fix.find("--batch-size") != std::string::npos);
    }

    void withoutKeepTheChangeIsReported() {
        const WorldChange w = planWorldChange(savedBy(2, 4, 2), config(4, 2, false), 1);
        QCOMPARE(w.gradAccumSteps, 2);
        QVERIFY(!w.adjusted);
        QCOMPARE(w.savedEffective, 16LL);
        QCOMPARE(w.effective, 8LL);
        QVERIFY2(w.message.find("changes from 16 to 4 x 2 x 1 = 8") != std::string::npos, w.message.c_str());
        QVERIFY(w.message.find("--keep-effective-batch") != std::string::npos);
    }

    void positionIsCarriedOverByImagesSeen() {
        TrainingState s = savedBy(2, 1, 1);
        s.epoch = 3;
        s.stepInEpoch = 5;  // 10 images of epoch 3 at 2 per step
        s.globalStep = 3 * 50 + 5;
        ResumePosition p = rescalePosition(s, 2, 4, 25);  // now 4 per step, 25 steps per epoch
        QCOMPARE(p.stepInEpoch, std::int64_t(2));
        QCOMPARE(p.globalStep, std::int64_t(3 * 25 + 2));
        p = rescalePosition(s, 2, 2, 50);  // unchanged
        QCOMPARE(p.globalStep, std::int64_t(155));
        s.epochComplete = true;
        p = rescalePosition(s, 2, 1, 100);
        QCOMPARE(p.globalStep, std::int64_t(400));
    }
};

QTEST_GUILESS_MAIN(TstWorldChange)
#include "tst_world_change.moc"
