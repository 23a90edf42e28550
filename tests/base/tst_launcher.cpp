// The launcher: torchrun's environment per worker, event relay, fail-fast, signal and stdin forwarding,
// and no orphans when the launcher itself is killed.
#include <QTemporaryDir>
#include <QtTest>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "base/launch/launcher.h"

using namespace studio;

namespace {
const std::string kWorker = std::string(STUDIO_TEST_DATA_DIR) + "/launch/fake_worker.sh";

struct Capture {
    std::vector<std::string> out, err;
    std::function<void(const std::string&)> outFn() { return [this](const std::string& l) { out.push_back(l); }; }
    std::function<void(const std::string&)> errFn() { return [this](const std::string& l) { err.push_back(l); }; }
    bool errHas(const std::string& s) const {
        for (const auto& l : err) if (l.find(s) != std::string::npos) return true;
        return false;
    }
};

LaunchSpec spec(const std::string& mode, int n) {
    LaunchSpec s;
    s.program = "/bin/bash";
    s.args = {kWorker};
    s.nprocs = n;
    s.node.masterPort = 0;
    s.extraEnv = {{"FAKE_MODE", mode}};
    s.gracePeriodS = 1.0;
    return s;
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }
}  // namespace

class TstLauncher : public QObject {
    Q_OBJECT
private slots:
    void workersGetTheTorchrunContract() {
        Capture c;
        LaunchSpec s = spec("ok", 3);
        s.visibleDevices = {"0", "1", "3"};
        const LaunchResult r = runLauncher(s, c.outFn(), c.errFn());
        QCOMPARE(r.exitCode, 0);
        // Rank 0's events are relayed, and the step events of every rank (health view); other ranks' hello not.
        QCOMPARE(c.out.size(), size_t(4));
        int hellos = 0;
        std::set<std::string> stepRanks;
        for (const auto& l : c.out) {
            if (l.find("\"type\":\"hello\"") != std::string::npos) {
                ++hellos;
                QVERIFY(l.find("\"rank\":0") != std::string::npos);
                QVERIFY(l.find("\"world\":3") != std::string::npos);
            }
            if (l.find("\"type\":\"step\"") != std::string::npos) stepRanks.insert(l.substr(l.find("\"rank\":"), 9));
        }
        QCOMPARE(hellos, 1);
        QCOMPARE(stepRanks, (std::set<std::string>{"\"rank\":0,", "\"rank\":1,", "\"rank\":2,"}));
        QVERIFY(c.errHas("rank 0 on 127.0.0.1:"));
        QVERIFY(c.errHas("[rank 2] rank 2 on 127.0.0.1:"));
        QVERIFY(c.errHas("local 2/3 cuda=3"));
        QVERIFY(c.errHas("local 1/3 cuda=1"));
    }
    void oneFailureStopsAllWithinSeconds() {
        Capture c;
        const auto t0 = std::chrono::steady_clock::now();
        const LaunchResult r = runLauncher(spec("fail", 3), c.outFn(), c.errFn());
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.failedRank, 1);
        QCOMPARE(r.failedStatus, 3);
        QVERIFY2(s < 10.0, "the other workers should be stopped within seconds");
        QVERIFY(r.message.find("rank 1 exited with status 3") != std::string::npos);
        QVERIFY2(r.message.find("illegal memory access") != std::string::npos, r.message.c_str());
        // Rank 1's own error event and the launcher's summary event are relayed.
        int errors = 0;
        for (const auto& l : c.out) errors += l.find("\"type\":\"error\"") != std::string::npos;
        QCOMPARE(errors, 2);
    }
    void workersIgnoringTermAreKilled() {
        Capture c;
        const auto t0 = std::chrono::steady_clock::now();
        const LaunchResult r = runLauncher(spec("stubborn", 2), c.outFn(), c.errFn());
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.failedRank, 1);
        QVERIFY(s < 10.0);
    }
    void stdinCommandsReachEveryWorker() {
        int fds[2];
        QCOMPARE(::pipe(fds), 0);
        const int savedStdin = ::dup(0);
        ::dup2(fds[0], 0);
        ::close(fds[0]);
        std::thread writer([w = fds[1]] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            const char cmd[] = "{\"cmd\":\"stop\"}\n";
            (void)!::write(w, cmd, sizeof cmd - 1);
            ::close(w);
        });
        Capture c;
        const LaunchResult r = runLauncher(spec("stop", 2), c.outFn(), c.errFn());
        writer.join();
        ::dup2(savedStdin, 0);
        ::close(savedStdin);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(c.errHas("rank 0 stopped"));
        QVERIFY(c.errHas("[rank 1] rank 1 stopped"));
        QCOMPARE(c.out.size(), size_t(1));
        QVERIFY(c.out[0].find("stopped") != std::string::npos);
    }
    void sigtermIsForwarded() {
        Capture c;
        std::thread killer([] {
            std::this_thread::sleep_for(std::chrono::milliseconds(400));
            ::kill(::getpid(), SIGTERM);
        });
        const LaunchResult r = runLauncher(spec("stop", 2), c.outFn(), c.errFn());
        killer.join();
        QCOMPARE(r.exitCode, 0);  // the workers checkpointed and exited cleanly
        QVERIFY(c.errHas("interrupted"));
        QCOMPARE(c.out.size(), size_t(1));
    }
    void noOrphanSurvivesAKilledLauncher() {
        QTemporaryDir dir;
        const pid_t launcher = ::fork();
        if (launcher == 0) {
            LaunchSpec s = spec("sleep", 2);
            s.extraEnv["PID_DIR"] = dir.path().toStdString();
            runLauncher(s, [](const std::string&) {}, [](const std::string&) {});
            ::_exit(0);
        }
        std::vector<pid_t> workers;
        for (int i = 0; i < 50 && workers.size() < 2; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            workers.clear();
            for (int r = 0; r < 2; ++r) {
                std::ifstream f(dir.filePath(QString("worker%1.pid").arg(r)).toStdString());
                pid_t p = 0;
                if (f >> p) workers.push_back(p);
            }
        }
        QCOMPARE(workers.size(), size_t(2));
        for (pid_t p : workers) QVERIFY(alive(p));
        ::kill(launcher, SIGKILL);
        ::waitpid(launcher, nullptr, 0);
        bool anyAlive = true;
        for (int i = 0; i < 50 && anyAlive; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            anyAlive = false;
            for (pid_t p : workers) anyAlive |= alive(p);
        }
        QVERIFY2(!anyAlive, "a worker survived its launcher");
    }
    void freePort() {
        const int p = findFreePort();
        QVERIFY(p > 1024 && p < 65536);
    }
};

QTEST_GUILESS_MAIN(TstLauncher)
#include "tst_launcher.moc"
