#pragma once
// A compact, read-only index of a COCO annotation file (the Roboflow/rfdetr layout:
// <split>/_annotations.coco.json with the images beside it). Built to hold CommonForms' train split
// (436k images, ~6M boxes) in well under 1 GB: flat arrays, one string pool, boxes stored contiguously
// per image. Loaded with a SAX parser (nlohmann::json::sax_parse), never a DOM of the whole file.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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

/// One annotation, as stored (COCO bbox: absolute pixels, x/y of the top-left corner).
struct CocoBox {
    float x = 0, y = 0, w = 0, h = 0;
    float area = 0;            // the annotation's "area" field (pycocotools uses it for area ranges)
    std::int32_t categoryId = 0;
    std::uint8_t iscrowd = 0;
    std::int64_t annotationId = 0;
};

class CocoIndex {
public:
    /// Loads `jsonPath`. Structural problems (malformed JSON, wrong types, unknown image ids, ...) are
    /// appended to `problems` with file and id; throws std::runtime_error only when nothing usable was read.
    static CocoIndex load(const std::string& jsonPath, std::vector<Problem>* problems = nullptr);

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

private:
    struct ImageRecord {
        std::int64_t id;
        std::uint32_t nameOffset, nameLength;  // into m_names
        std::int32_t width, height;
        std::uint32_t firstBox, boxCount;      // into m_boxes
    };
    std::string m_directory;
    std::string m_names;
    std::vector<ImageRecord> m_images;
    std::vector<CocoBox> m_boxes;
    std::vector<CocoCategory> m_categories;
    std::unordered_map<std::int64_t, std::uint32_t> m_imageById;
};

}  // namespace studio
