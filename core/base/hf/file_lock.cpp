#include "base/hf/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace studio::hf {

bool FileLock::tryLock(const std::string& path, int* fdOut) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664);
    if (fd < 0) throw std::runtime_error("cannot create the lock file " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        *fdOut = fd;
        return true;
    }
    const int err = errno;
    ::close(fd);
    if (err != EWOULDBLOCK && err != EINTR)
        throw std::runtime_error("cannot lock " + path + ": " + std::strerror(err));
    return false;
}

FileLock::FileLock(const std::string& path, double timeoutS, const std::function<void()>& onWait) {
    const auto start = std::chrono::steady_clock::now();
    bool announced = false;
    while (!tryLock(path, &m_fd)) {
        if (!announced && onWait) onWait();
        announced = true;
        const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (timeoutS > 0 && waited > timeoutS)
            throw std::runtime_error("another process still holds " + path + " after " +
                                     std::to_string(static_cast<int>(waited)) +
                                     " s; wait for it to finish or stop it");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

FileLock::~FileLock() {
    if (m_fd >= 0) ::close(m_fd);  // releases the flock
}

}  // namespace studio::hf
