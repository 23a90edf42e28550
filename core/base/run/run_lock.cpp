#include "base/run/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/run/run_folder.h"

namespace studio {

RunLock::RunLock(const std::string& runDir) : m_path(RunFolder{runDir}.lockFile()) {
    std::error_code ec;
    std::filesystem::create_directories(runDir, ec);
    if (ec) throw std::runtime_error("cannot create the output folder " + runDir + ": " + ec.message());
    m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0) throw std::runtime_error("cannot create " + m_path + ": " + std::strerror(errno));
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        char buf[32] = {0};
        const ssize_t n = ::pread(m_fd, buf, sizeof(buf) - 1, 0);
        const long long pid = n > 0 ? std::atoll(buf) : 0;
        ::close(m_fd);
        m_fd = -1;
        throw RunLockedError("another trainer (pid " + std::to_string(pid) + ") is writing to " + runDir +
                                 ". Wait for it to finish, stop it, or choose another output folder.",
                             pid);
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(m_fd, 0) != 0 || ::pwrite(m_fd, pid.data(), pid.size(), 0) != ssize_t(pid.size())) {
        const std::string why = std::strerror(errno);
        ::close(m_fd);
        m_fd = -1;
        throw std::runtime_error("cannot write " + m_path + ": " + why);
    }
}

RunLock::~RunLock() {
    if (m_fd < 0) return;
    if (::ftruncate(m_fd, 0) != 0) {
        // Harmless: the flock is what matters, and closing releases it.
    }
    ::flock(m_fd, LOCK_UN);
    ::close(m_fd);
}

}  // namespace studio
