// Outside requests and shared state of a run: stdin commands and signals (RunControl), the run folder lock,
// and the device-side loss meter with rfdetr's log keys.
#include <ATen/ATen.h>

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "base/run/run_folder.h"
#include "base/run/run_lock.h"
#include "train/engine/loss_log.h"
#include "train/engine/run_control.h"

#include <QTemporaryDir>
#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio;
using namespace studio::train;

namespace {
template <typename F>
bool waitFor(F cond, int ms = 3000) {
    for (int i = 0; i < ms / 10; ++i) {
        if (cond()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return cond();
}
}  // namespace

class TstEngineControl : public QObject {
    Q_OBJECT
private slots:
    void parsesCommands() {
        std::string err;
        QCOMPARE(parseControlCommand(R"({"cmd":"stop"})", &err), std::optional(ControlCommand::Stop));
        QCOMPARE(parseControlCommand(R"( {"cmd": "checkpoint", "extra": 1} )"),
                 std::optional(ControlCommand::Checkpoint));
        QVERIFY(!parseControlCommand("", &err) && err.empty());
        QVERIFY(!parseControlCommand(R"({"cmd":"explode"})", &err));
        QVERIFY2(err.find("explode") != std::string::npos, err.c_str());
        QVERIFY(!parseControlCommand("stop", &err) && !err.empty());
    }
    void readsCommandsFromAPipe() {
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        {
            RunControl control(false, fds[0]);
            QVERIFY(!control.stopRequested());
            const std::string lines = "garbage\n{\"cmd\":\"checkpoint\"}\n{\"cmd\":";
            QVERIFY(::write(fds[1], lines.data(), lines.size()) == ssize_t(lines.size()));
            QVERIFY(waitFor([&] { return control.takeCheckpointRequest(); }));
            QVERIFY(!control.takeCheckpointRequest());  // consumed
            QVERIFY(!control.stopRequested());
            const std::string rest = "\"stop\"}\n";  // a command split across two writes
            QVERIFY(::write(fds[1], rest.data(), rest.size()) == ssize_t(rest.size()));
            QVERIFY(waitFor([&] { return control.stopRequested(); }));
            QCOMPARE(control.stopSignal(), 0);
        }  // joins the reader while the pipe is still open
        ::close(fds[1]);
        ::close(fds[0]);
    }
    void signalRequestsAStop() {
        RunControl control(true, -1);
        QVERIFY(!control.stopRequested());
        ::raise(SIGTERM);  // handled: the process goes on
        QVERIFY(control.stopRequested());
        QCOMPARE(control.stopSignal(), int(SIGTERM));
    }
    void lockRefusesASecondTrainer() {
        QTemporaryDir dir;
        const std::string run = dir.filePath("run").toStdString();
        {
            RunLock lock(run);
            long long pid = 0;
            QVERIFY(runIsLocked(run, &pid));
            QCOMPARE(pid, static_cast<long long>(::getpid()));
            bool refused = false;
            try {
                RunLock second(run);
            } catch (const RunLockedError& e) {
                refused = QString(e.what()).contains(QString::number(::getpid())) &&
                          QString(e.what()).contains(QString::fromStdString(run));
                QCOMPARE(e.holderPid(), static_cast<long long>(::getpid()));
            }
            QVERIFY(refused);
        }
        QVERIFY(!runIsLocked(run));
        RunLock again(run);  // released: can be taken again
    }
    void lossMeterAveragesOnTheDevice() {
        LossMeter m;
        m.add(at::tensor({1.0f, 10.0f, 0.5f}));
        m.add(at::tensor({3.0f, 20.0f, 1.5f}));
        QCOMPARE(m.windowSteps(), 2LL);
        QCOMPARE(m.takeWindowMean(), (std::vector<double>{2.0, 15.0, 1.0}));
        QVERIFY(m.takeWindowMean().empty());
        m.add(at::tensor({5.0f, 30.0f, 2.5f}));
        QCOMPARE(m.takeWindowMean(), (std::vector<double>{5.0, 30.0, 2.5}));
        QCOMPARE(m.epochMean(), (std::vector<double>{3.0, 20.0, 1.5}));
        m.resetEpoch();
        QVERIFY(m.epochMean().empty());
    }
    void logKeysFollowTheReference() {
        LossLayout layout{{"loss_ce", "class_error", "loss_bbox", "loss_giou", "loss_ce_enc"}, {1, 0, 5, 2, 1}};
        const std::vector<double> v{0.5, 40.0, 0.1, 0.3, 0.25};
        QCOMPARE(layout.total(v), 0.5 + 0.5 + 0.6 + 0.25);
        const auto keys = layout.logKeys(v, "train_");
        QCOMPARE(keys.at("train_loss"), 1.85);
        QCOMPARE(keys.at("train_loss_bbox"), 0.5);
        QCOMPARE(keys.at("train_loss_bbox_unscaled"), 0.1);
        QCOMPARE(keys.at("train_class_error"), 40.0);
        QCOMPARE(keys.at("train_class_error_unscaled"), 40.0);
        QVERIFY(!keys.count("train_class_error_unscaled_unscaled"));
        const auto ev = layout.eventLosses(v);
        QCOMPARE(ev.at("total"), 1.85);
        QCOMPARE(ev.at("giou"), 0.6);
        QCOMPARE(ev.at("enc"), 0.25);
    }
};

QTEST_GUILESS_MAIN(TstEngineControl)
#include "tst_engine_control.moc"
