#pragma once
// The run folder's lock (.rfdetr-train.lock, see run_folder.h): an exclusive flock held for the whole run
// with the holder's pid inside, so a second trainer on the same output folder is refused with a clear message
// and the GUI (runIsLocked) can tell a live run from a dead one. The kernel drops the lock when the process
// dies, so a crash never leaves a stale lock behind.
#include <stdexcept>
#include <string>

namespace studio {

/// Another process holds the folder; the message names the folder, the pid and what to do.
class RunLockedError : public std::runtime_error {
public:
    RunLockedError(const std::string& message, long long holderPid)
        : std::runtime_error(message), m_pid(holderPid) {}
    long long holderPid() const { return m_pid; }

private:
    long long m_pid;
};

class RunLock {
public:
    /// Locks `runDir` (created if missing). Throws RunLockedError when a live process holds it, and
    /// std::runtime_error naming the file when it cannot be created. Any thread.
    explicit RunLock(const std::string& runDir);
    ~RunLock();  // releases the lock
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

    const std::string& path() const { return m_path; }

private:
    std::string m_path;
    int m_fd = -1;
};

}  // namespace studio
