#pragma once
// Feeds a file to nlohmann::json's SAX parser through an input iterator, a buffer at a time, while
// keeping the absolute file offset of every byte. Two extras serve the parallel COCO loader: bytes
// can be injected before the file continues ("[" to read array elements from the middle of a file,
// "}" to close an element early), and the file position can jump (seek) once the injected bytes are
// consumed.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace studio {

class JsonByteSource {
  public:
    /// Opens `path` and positions it at byte `offset`; throws std::runtime_error naming the file.
    explicit JsonByteSource(const std::string& path, std::uint64_t offset = 0,
                            std::size_t bufferBytes = std::size_t(1) << 20);
    ~JsonByteSource();
    JsonByteSource(const JsonByteSource&) = delete;
    JsonByteSource& operator=(const JsonByteSource&) = delete;

    /// Delivers `bytes` next, then continues with the file (at the seek target if one is set).
    void inject(std::string_view bytes);
    /// Continues reading the file at `offset` after the injected bytes (if any) are consumed.
    void seek(std::uint64_t offset);
    /// Absolute file offset of the next file byte to be delivered (injected bytes are not counted).
    std::uint64_t offset() const;
    /// File offset of the byte delivered last (the one the parser has just read).
    std::uint64_t lastOffset() const { return offset() - 1; }
    /// True when reading failed (not at the end of the file); error() says why.
    bool failed() const { return !m_error.empty(); }
    const std::string& error() const { return m_error; }
    const std::string& path() const { return m_path; }

    /// The input iterator nlohmann::json::sax_parse(first, last, ...) consumes, one char per step.
    class Iterator {
      public:
        using iterator_category = std::input_iterator_tag;
        using value_type = char;
        using difference_type = std::ptrdiff_t;
        using pointer = const char*;
        using reference = const char&;

        Iterator(JsonByteSource* source, bool sentinel) : m_source(source), m_sentinel(sentinel) {}
        const char& operator*() const { return *m_source->m_p; }
        Iterator& operator++() {
            if (++m_source->m_p == m_source->m_end)
                m_source->refill();
            return *this;
        }
        bool operator==(const Iterator& o) const { return atEnd() == o.atEnd(); }
        bool operator!=(const Iterator& o) const { return atEnd() != o.atEnd(); }

      private:
        bool atEnd() const { return m_sentinel || m_source->m_p == nullptr; }
        JsonByteSource* m_source;
        bool m_sentinel;
    };
    Iterator begin() { return Iterator(this, false); }
    Iterator end() { return Iterator(this, true); }

  private:
    void refill();
    bool readAt(std::uint64_t offset);

    std::string m_path;
    int m_fd = -1;
    std::vector<char> m_buffer;
    std::uint64_t m_bufferOffset = 0;  // file offset of m_buffer[0]
    std::size_t m_bufferSize = 0;      // valid bytes in m_buffer
    const char* m_p = nullptr;         // next byte to deliver; nullptr at the end
    const char* m_end = nullptr;
    // Injection: while m_injecting, m_p walks m_inject; the file position is kept in m_resume*.
    std::string m_inject;
    bool m_injecting = false;
    const char* m_resumeP = nullptr;
    const char* m_resumeEnd = nullptr;
    bool m_seekPending = false;
    std::uint64_t m_seekTarget = 0;
    std::string m_error;
};

/// 1-based line and column of byte `offset` in `path` (counts '\n'; columns in bytes).
struct TextPosition {
    std::uint64_t line = 1;
    std::uint64_t column = 1;
};
TextPosition textPositionOf(const std::string& path, std::uint64_t offset);

}  // namespace studio
