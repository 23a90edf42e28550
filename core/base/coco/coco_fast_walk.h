#pragma once
// Pieces of the fast COCO path (coco_fast_parser.h) that do not parse records: reading the file,
// finding candidate cuts between array elements, and walking the top-level object (keys,
// punctuation, skipped values such as "info"). Internal to base/coco; built with simdjson only.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/coco/coco_fast_parser.h"

namespace studio::coco_detail {

/// A file read with pread (any thread).
class JsonFile {
  public:
    explicit JsonFile(const std::string& path);
    ~JsonFile();
    JsonFile(const JsonFile&) = delete;
    JsonFile& operator=(const JsonFile&) = delete;
    bool ok() const { return m_fd >= 0; }
    std::uint64_t size() const { return m_size; }
    /// Reads exactly `n` bytes at `offset`; false on a read error or end of file.
    bool read(std::uint64_t offset, char* into, std::size_t n) const;

  private:
    int m_fd = -1;
    std::uint64_t m_size = 0;
};

/// A candidate cut in a window of bytes: "}" at `close`, then whitespace and either "," +
/// whitespace + "{" at `next`, or "]" at `next` (endsSection).
struct ElementCut {
    std::size_t close = 0, next = 0;
    bool endsSection = false;
};
/// The candidate with the largest `close` whose pattern lies entirely in bytes[0, n).
std::optional<ElementCut> lastCut(const char* bytes, std::size_t n);
/// The first candidate followed by "]" (a section's end in a plain file).
std::optional<ElementCut> firstSectionEnd(const char* bytes, std::size_t n);
/// The candidate with the smallest `close` >= from whose pattern lies entirely in bytes[0, n).
std::optional<ElementCut> firstCut(const char* bytes, std::size_t n, std::size_t from);

/// Walks the top-level object of a COCO file: checks the punctuation and keys itself, validates
/// other members' values with simdjson, and hands each non-empty "images", "annotations" and
/// "categories" array, and other arrays of objects (as Section::Other), to a callback. Gives up (false, reason in
/// stats.gaveUp) on a byte order mark, a key with escapes, a repeated or non-array section, a first element that is not
/// an object, trailing content, or a skipped value larger than maxValueBytes.
class TopLevelWalker {
  public:
    /// Reads the elements from `first` (the first element's "{"); sets `*after` to the byte after
    /// the array's "]"; false: give up.
    using SectionReader = std::function<bool(Section, std::uint64_t first, std::uint64_t* after)>;

    TopLevelWalker(const JsonFile& file, std::size_t maxValueBytes, FastParseStats* stats);
    bool walk(const SectionReader& readSection);
    bool sawSection(Section s) const { return m_seen[static_cast<int>(s)]; }

  private:
    int peek();
    int get();
    void skipWhitespace();
    bool readKey(std::string* key);
    bool skipValue();
    bool giveUp(std::string why);

    const JsonFile& m_file;
    std::size_t m_maxValueBytes;
    FastParseStats* m_stats;
    bool m_seen[kSectionCount] = {};
    std::string m_buffer;
    std::uint64_t m_base = 0, m_pos = 0;  // file offsets of m_buffer[0] and of the next byte
};

}  // namespace studio::coco_detail
