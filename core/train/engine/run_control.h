#pragma once
// Requests that reach a running trainer from outside (ARCHITECTURE §5): SIGINT / SIGTERM and the stdin
// commands {"cmd":"stop"} and {"cmd":"checkpoint"}. Handlers and the reader thread only set flags; the
// training loop polls them between optimiser steps, so a stop always finishes the step, writes a checkpoint
// and reports `done` with status "stopped". A second SIGINT / SIGTERM while stopping ends the process at once.
#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace studio::train {

enum class ControlCommand { Stop, Checkpoint };

/// Parses one stdin line ({"cmd":"stop"} / {"cmd":"checkpoint"}); nullopt with `error` set for anything
/// else (blank lines give nullopt and an empty error).
std::optional<ControlCommand> parseControlCommand(std::string_view line, std::string* error = nullptr);

class RunControl {
public:
    /// Installs the signal handlers (when `handleSignals`) and starts a thread reading commands from `inputFd`
    /// (-1: none). One instance per process at a time. Main thread.
    explicit RunControl(bool handleSignals = true, int inputFd = 0);
    ~RunControl();  // restores the previous handlers and joins the reader
    RunControl(const RunControl&) = delete;
    RunControl& operator=(const RunControl&) = delete;

    /// A stop was requested (signal or command). Any thread.
    bool stopRequested() const;
    /// The signal that asked to stop (0 for a command or none).
    int stopSignal() const;
    /// Returns whether a checkpoint was requested since the last call, and clears the request. Any thread.
    bool takeCheckpointRequest();

    void requestStop() { m_stop = true; }
    void requestCheckpoint() { m_checkpoint = true; }

private:
    void readLoop(int fd);

    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_checkpoint{false};
    std::atomic<bool> m_quit{false};
    bool m_handleSignals;
    std::thread m_reader;
};

}  // namespace studio::train
