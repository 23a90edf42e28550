#include "base/util/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace studio {

namespace {
std::runtime_error ioError(const std::string& what, const std::string& path) {
    return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string finalPath) : m_finalPath(std::move(finalPath)) {
    m_tempPath = m_finalPath + ".tmp." + std::to_string(::getpid());
    m_fd = ::open(m_tempPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (m_fd < 0) throw ioError("cannot create", m_tempPath);
}

AtomicFileWriter::~AtomicFileWriter() {
    if (m_fd >= 0) ::close(m_fd);
    if (!m_committed) ::unlink(m_tempPath.c_str());
}

void AtomicFileWriter::write(const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(m_fd, p, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw ioError("cannot write", m_tempPath);
        }
        p += n;
        size -= static_cast<std::size_t>(n);
        m_bytes += static_cast<std::uint64_t>(n);
    }
}

void AtomicFileWriter::commit() {
    if (::fsync(m_fd) != 0) throw ioError("cannot flush", m_tempPath);
    if (::close(m_fd) != 0) {
        m_fd = -1;
        throw ioError("cannot close", m_tempPath);
    }
    m_fd = -1;
    if (::rename(m_tempPath.c_str(), m_finalPath.c_str()) != 0) throw ioError("cannot rename into", m_finalPath);
    m_committed = true;
    // Make the rename durable.
    const std::string dir = std::filesystem::path(m_finalPath).parent_path().string();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

void writeFileAtomic(const std::string& path, std::string_view contents) {
    AtomicFileWriter w(path);
    w.write(contents);
    w.commit();
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace studio
