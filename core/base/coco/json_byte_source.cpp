#include "base/coco/json_byte_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace studio {

JsonByteSource::JsonByteSource(const std::string& path, std::uint64_t offset,
                               std::size_t bufferBytes)
    : m_path(path), m_buffer(bufferBytes < 16 ? 16 : bufferBytes) {
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0)
        throw std::runtime_error(path + ": cannot open (" + std::strerror(errno) + ")");
#ifdef POSIX_FADV_SEQUENTIAL
    ::posix_fadvise(m_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    readAt(offset);
}

JsonByteSource::~JsonByteSource() {
    if (m_fd >= 0)
        ::close(m_fd);
}

bool JsonByteSource::readAt(std::uint64_t offset) {
    m_bufferOffset = offset;
    m_bufferSize = 0;
    while (true) {
        const ssize_t n =
            ::pread(m_fd, m_buffer.data(), m_buffer.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            m_error = std::string("read error at byte ") + std::to_string(offset) + ": " +
                      std::strerror(errno);
            m_p = m_end = nullptr;
            return false;
        }
        m_bufferSize = static_cast<std::size_t>(n);
        break;
    }
    if (m_bufferSize == 0) {
        m_p = m_end = nullptr;
        return false;
    }
    m_p = m_buffer.data();
    m_end = m_p + m_bufferSize;
    return true;
}

void JsonByteSource::refill() {
    if (m_injecting) {
        m_injecting = false;
        if (m_seekPending) {
            m_seekPending = false;
            readAt(m_seekTarget);
        } else {
            m_p = m_resumeP;
            m_end = m_resumeEnd;
            if (m_p == m_end && m_p != nullptr)
                refill();
        }
        return;
    }
    if (m_p == nullptr)
        return;
    readAt(m_bufferOffset + m_bufferSize);
}

void JsonByteSource::inject(std::string_view bytes) {
    if (bytes.empty())
        return;
    if (m_injecting) {
        // Still inside an earlier injection: append what is left of it after the new bytes.
        std::string rest(m_p, m_end);
        m_inject.assign(bytes.data(), bytes.size());
        m_inject += rest;
    } else {
        m_resumeP = m_p;
        m_resumeEnd = m_end;
        m_inject.assign(bytes.data(), bytes.size());
        m_injecting = true;
    }
    m_p = m_inject.data();
    m_end = m_p + m_inject.size();
}

void JsonByteSource::seek(std::uint64_t offset) {
    if (m_injecting) {
        m_seekPending = true;
        m_seekTarget = offset;
        return;
    }
    if (offset >= m_bufferOffset && offset < m_bufferOffset + m_bufferSize) {
        m_p = m_buffer.data() + (offset - m_bufferOffset);
        m_end = m_buffer.data() + m_bufferSize;
        return;
    }
    readAt(offset);
}

std::uint64_t JsonByteSource::offset() const {
    if (m_injecting) {
        if (m_seekPending)
            return m_seekTarget;
        if (m_resumeP == nullptr)
            return m_bufferOffset + m_bufferSize;
        return m_bufferOffset + static_cast<std::uint64_t>(m_resumeP - m_buffer.data());
    }
    if (m_p == nullptr)
        return m_bufferOffset + m_bufferSize;
    return m_bufferOffset + static_cast<std::uint64_t>(m_p - m_buffer.data());
}

TextPosition textPositionOf(const std::string& path, std::uint64_t offset) {
    TextPosition pos;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pos;
    std::vector<char> buf(std::size_t(1) << 20);
    std::uint64_t done = 0;
    while (done < offset) {
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), offset - done));
        const ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; ++i) {
            if (buf[static_cast<std::size_t>(i)] == '\n') {
                ++pos.line;
                pos.column = 1;
            } else {
                ++pos.column;
            }
        }
        done += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    return pos;
}

}  // namespace studio
