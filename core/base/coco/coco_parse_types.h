#pragma once
// What the SAX pass over a COCO annotation file produces before it becomes a CocoIndex: images and
// categories in file order, boxes in fixed-size chunks (no reallocation peaks at 6M boxes), and the
// structural issues found, capped per kind but always counted. Internal to base/coco.
#include <array>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "base/coco/coco_index.h"

namespace studio::coco_detail {

enum class Section : std::uint8_t { None, Images, Annotations, Categories, Other };
constexpr int kSectionCount = 5;
const char* sectionKey(Section s);  // "images", "annotations", "categories"

struct ParsedImage {
    std::int64_t id = 0;
    std::uint32_t nameOffset = 0, nameLength = 0;
    std::int32_t width = 0, height = 0;
};

/// A box and the image id it names (images may come after annotations in the file).
struct ParsedBox {
    CocoBox box;
    std::int64_t imageId = 0;
};

/// Pages mapped straight from the kernel: freeing one gives the memory back at once (glibc keeps
/// freed heap chunks resident), so the index build can release parse storage while it fills the
/// index.
struct MappedDeleter {
    std::size_t bytes = 0;
    void operator()(void* p) const;
};
void* mapPages(std::size_t bytes);  // throws std::bad_alloc

/// Append-only storage in chunks of kChunkSize trivially copyable elements; chunks can be moved
/// between buffers and released one by one.
template <typename T>
class ChunkedBuffer {
  public:
    static constexpr std::size_t kChunkSize = std::size_t(1) << 16;
    struct Chunk {
        std::unique_ptr<T, MappedDeleter> data;
        std::size_t size = 0;
        T& operator[](std::size_t i) const { return data.get()[i]; }
    };
    T& emplaceBack() {
        if (m_chunks.empty() || m_chunks.back().size == kChunkSize) {
            const std::size_t bytes = kChunkSize * sizeof(T);
            m_chunks.push_back(Chunk{std::unique_ptr<T, MappedDeleter>(
                                         static_cast<T*>(mapPages(bytes)), MappedDeleter{bytes}),
                                     0});
        }
        ++m_size;
        Chunk& c = m_chunks.back();
        return *new (c.data.get() + c.size++) T();
    }
    void append(ChunkedBuffer&& other) {
        for (auto& c : other.m_chunks)
            m_chunks.push_back(std::move(c));
        m_size += other.m_size;
        other.m_chunks.clear();
        other.m_size = 0;
    }
    std::size_t size() const { return m_size; }
    std::vector<Chunk>& chunks() { return m_chunks; }

  private:
    std::vector<Chunk> m_chunks;
    std::size_t m_size = 0;
};

enum class IssueKind : std::uint8_t {
    TopLevelNotObject,
    SectionNotArray,
    SectionRepeated,
    ElementNotObject,
    MissingField,
    WrongType,
    BadBbox,
    MissingArea,
    MissingSupercategory,
    MissingSize,
    DuplicateImageId,
    UnknownImageId,
    DuplicateCategoryId,
    UnknownCategoryId,
    MissingSection,
    Count_
};
constexpr int kIssueKindCount = static_cast<int>(IssueKind::Count_);

struct ParseIssue {
    IssueKind kind{};
    Section section = Section::None;
    std::uint64_t element = 0;       // index in the section's array (file order)
    std::optional<std::int64_t> id;  // the record's id when known
    std::string field;               // the JSON key concerned
    std::string value;               // the offending value as text
};

/// Issues, keeping the first kMaxListed of each kind and counting all of them.
class IssueLog {
  public:
    static constexpr std::size_t kMaxListed = 20;
    void add(ParseIssue issue);
    /// Appends `other`, shifting its element indices by `elementOffset[section]`.
    void append(const IssueLog& other,
                const std::array<std::uint64_t, kSectionCount>& elementOffset);
    const std::vector<ParseIssue>& listed() const { return m_listed; }
    std::uint64_t count(IssueKind k) const { return m_counts[static_cast<int>(k)]; }
    std::uint64_t listedCount(IssueKind k) const { return m_listedCounts[static_cast<int>(k)]; }

  private:
    std::vector<ParseIssue> m_listed;
    std::array<std::uint64_t, kIssueKindCount> m_counts{};
    std::array<std::uint64_t, kIssueKindCount> m_listedCounts{};
};

struct ParseOutput {
    std::vector<ParsedImage> images;
    std::string names;  // file names, back to back
    ChunkedBuffer<ParsedBox> boxes;
    std::vector<CocoCategory> categories;
    std::array<std::uint64_t, kSectionCount> elements{};  // array elements seen per section
    IssueLog issues;
};

/// Appends `part` (parsed after `into` in file order) to `into`: names rebased, boxes moved, issues and
/// element counts added. Used by the parallel and the fast parser to join their pieces.
void appendParseOutput(ParseOutput& into, ParseOutput&& part);

/// How a parse ended.
struct ParseEnd {
    enum class Kind { Complete, SyntaxError, ReadError, Stopped, Structure } kind = Kind::Complete;
    std::uint64_t offset = 0;  // byte offset of the error / stop
    std::string message;       // parser message without nlohmann's position prefix
    std::string lastToken;     // the text of the token the parser choked on (syntax errors)
};

}  // namespace studio::coco_detail
