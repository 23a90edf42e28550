#pragma once
// Atomic file replacement: write "<name>.tmp.<pid>", fsync, rename over <name>, fsync the folder.
// A crash or a full disk leaves the previous file intact and never a half-written file under the final name.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace studio {

class AtomicFileWriter {
public:
    /// Opens a temporary file next to `finalPath`; throws std::runtime_error naming the file on failure.
    explicit AtomicFileWriter(std::string finalPath);
    ~AtomicFileWriter();  // removes the temporary file unless commit() succeeded
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

    /// Appends bytes; throws std::runtime_error (e.g. "No space left on device") naming the file.
    void write(const void* data, std::size_t size);
    void write(std::string_view text) { write(text.data(), text.size()); }
    /// fsync + rename + fsync(dir). Throws on failure; the previous file stays as it was.
    void commit();
    std::uint64_t bytesWritten() const { return m_bytes; }
    const std::string& tempPath() const { return m_tempPath; }

private:
    std::string m_finalPath;
    std::string m_tempPath;
    int m_fd = -1;
    std::uint64_t m_bytes = 0;
    bool m_committed = false;
};

/// Writes `contents` to `path` atomically.
void writeFileAtomic(const std::string& path, std::string_view contents);
/// Reads a whole file; throws std::runtime_error naming the file when it cannot be read.
std::string readFile(const std::string& path);

}  // namespace studio
