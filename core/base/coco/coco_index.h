#pragma once
// A compact, read-only index of a COCO annotation file (the Roboflow/rfdetr layout:
// <split>/_annotations.coco.json with the images beside it). Built to hold CommonForms' train split
// (436k images, ~6M boxes) in well under 1 GB: flat arrays, one string pool, boxes stored
// contiguously per image. Loaded with simdjson over batches of array elements when the file is plain
// (coco_fast_parser.h), else with nlohmann's SAX parser; never a DOM of the whole file.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/coco/id_index.h"
#include "base/util/problem.h"

namespace studio {

/// A view of contiguous elements (C++17 has no std::span).
template <typename T>
struct Span {
    const T* data = nullptr;
    std::size_t size = 0;
    const T* begin() const { return data; }
    const T* end() const { return data + size; }
    const T& operator[](std::size_t i) const { return data[i]; }
    bool empty() const { return size == 0; }
};

struct CocoCategory {
    std::int64_t id = 0;
    std::string name;
    std::string supercategory;
};

/// One annotation, as stored (COCO bbox: absolute pixels, x/y of the top-left corner). Doubles, as
/// Python reads them: the evaluator must compare IoUs and areas exactly as pycocotools does.
struct CocoBox {
    double x = 0, y = 0, w = 0, h = 0;
    double area = 0;  // the annotation's "area" field (pycocotools uses it for area ranges)
    std::int32_t categoryId = 0;
    std::uint8_t iscrowd = 0;
    std::int64_t annotationId = 0;
};

/// How CocoIndex::load reads a file (defaults suit everyone; tests force small parts to exercise
/// threads).
struct CocoLoadOptions {
    int threads = 0;  // 0: one per hardware thread
    std::uint64_t minBytesPerPart = std::uint64_t(8) << 20;  // read in parts of at least this size
    bool fastParser = true;  // simdjson fast path when built with it (false: nlohmann only)
};

class CocoIndex {
public:
    CocoIndex() = default;
    CocoIndex(const CocoIndex& other);
    CocoIndex& operator=(const CocoIndex& other);
    CocoIndex(CocoIndex&&) noexcept = default;
    CocoIndex& operator=(CocoIndex&&) noexcept = default;

    /// Loads `jsonPath`. Structural problems (malformed JSON with line/column, wrong types, missing
    /// fields, unknown or repeated image ids, unknown category ids, ...) are appended to `problems`
    /// with file and id, and the index holds what could be read. Throws std::runtime_error when the
    /// file cannot be read, and, when `problems` is null, also when the JSON is malformed or not a
    /// COCO object (then the per-record problems are not reported). Any thread; uses up to
    /// `threads` threads for large files.
    static CocoIndex load(const std::string& jsonPath, std::vector<Problem>* problems = nullptr);
    static CocoIndex load(const std::string& jsonPath, std::vector<Problem>* problems,
                          const CocoLoadOptions& options);

    std::size_t numImages() const;
    std::size_t numBoxes() const;
    std::int64_t imageId(std::size_t i) const;
    std::string_view fileName(std::size_t i) const;
    int width(std::size_t i) const;
    int height(std::size_t i) const;
    /// Boxes of image i (in file order).
    Span<CocoBox> boxes(std::size_t i) const;
    /// Position of an image id, if present.
    std::optional<std::size_t> indexOfImage(std::int64_t imageId) const;

    const std::vector<CocoCategory>& categories() const;
    /// Folder holding the annotation file (images are resolved relative to it).
    const std::string& directory() const;
    /// Bytes held by the index (for the memory benchmark).
    std::size_t memoryBytes() const;

    /// Position of box k of image i among the file's indexed annotations (file order; the evaluator
    /// needs it to reproduce pycocotools with repeated annotation ids).
    std::uint64_t fileOrdinal(std::size_t i, std::size_t k) const;
    /// Annotations in the file that could not be indexed (no usable image_id, category_id or bbox,
    /// or an image id not in "images"); each kind is reported in the load problems.
    std::uint64_t skippedAnnotations() const { return m_skippedAnnotations; }

private:
    struct ImageRecord {
        std::int64_t id;
        std::uint32_t nameOffset, nameLength;  // into m_names
        std::int32_t width, height;
        std::uint64_t firstBox;  // into m_boxes
        std::uint32_t boxCount;
    };
    struct FreeDeleter {
        void operator()(CocoBox* p) const;
    };
    friend struct CocoIndexBuilder;
    std::string m_directory;
    std::string m_names;
    std::vector<ImageRecord> m_images;
    // malloc'd and filled without zeroing first, so a 6M-box load touches each page once.
    std::unique_ptr<CocoBox[], FreeDeleter> m_boxes;
    std::size_t m_boxCount = 0;
    std::vector<std::uint32_t> m_fileOrdinal;  // empty when boxes are stored in file order
    std::vector<CocoCategory> m_categories;
    IdIndex m_imageById;
    std::uint64_t m_skippedAnnotations = 0;
};

}  // namespace studio
