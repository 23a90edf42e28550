#pragma once
// An exclusive advisory lock on a file (flock), as huggingface_hub's filelock takes on
// <cache>/.locks/<repo>/<etag>.lock: two processes never download the same blob at once. The lock dies
// with the process, so a crash never leaves a stale lock behind.
#include <functional>
#include <string>

namespace studio::hf {

class FileLock {
public:
    /// Creates the lock file (and its folder) and waits for the lock. While waiting, `onWait` is called
    /// once (e.g. to say another process is downloading). Throws std::runtime_error naming the file when it
    /// cannot be created, or when `timeoutS` (>0) passes first.
    explicit FileLock(const std::string& path, double timeoutS = 0,
                      const std::function<void()>& onWait = {});
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

    /// Non-blocking attempt: true when this process now holds the lock.
    static bool tryLock(const std::string& path, int* fdOut);

private:
    int m_fd = -1;
};

}  // namespace studio::hf
