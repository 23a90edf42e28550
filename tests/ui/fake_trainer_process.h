#pragma once
// A TrainerProcess that runs nothing: tests drive it (started, stdout/stderr bytes, exit) and inspect what
// the controller launched and wrote (KeePassXC's MockRemoteProcess pattern).
#include <QByteArray>

#include "ui/process/trainer_process.h"

namespace studio::ui::testing {

class FakeTrainerProcess : public TrainerProcess {
public:
    struct Record {
        TrainerLaunch spec;
        QByteArray written;
        int interrupts = 0;
        int kills = 0;
        bool detached = false;
        bool running = false;
        FakeTrainerProcess* live = nullptr;
    };
    explicit FakeTrainerProcess(Record* record) : m_record(record) { record->live = this; }
    ~FakeTrainerProcess() override {
        if (m_record->live == this) m_record->live = nullptr;
    }

    void start(const TrainerLaunch& spec) override {
        m_record->spec = spec;
        m_record->running = true;
    }
    bool write(const QByteArray& bytes) override {
        if (!m_record->running || m_closedStdin) return false;
        m_record->written += bytes;
        return true;
    }
    void interrupt() override { ++m_record->interrupts; }
    void kill() override {
        ++m_record->kills;
        exit(-1, true);
    }
    bool isRunning() const override { return m_record->running; }
    qint64 processId() const override { return m_record->running ? 4242 : 0; }
    void detach() override { m_record->detached = true; }

    // Test controls.
    void emitStarted() { emit started(); }
    void out(const QByteArray& bytes) { emit stdoutReady(bytes); }
    void err(const QByteArray& bytes) { emit stderrReady(bytes); }
    void exit(int code, bool crashed = false) {
        m_record->running = false;
        emit finished(code, crashed);
    }
    void failToStart(const QString& why) {
        m_record->running = false;
        emit failedToStart(why);
    }
    void closeStdin() { m_closedStdin = true; }

private:
    Record* m_record;
    bool m_closedStdin = false;
};

inline TrainerProcessFactory fakeFactory(FakeTrainerProcess::Record* record) {
    return [record] { return std::make_unique<FakeTrainerProcess>(record); };
}

}  // namespace studio::ui::testing
