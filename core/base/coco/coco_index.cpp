#include "base/coco/coco_index.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <stdexcept>

#include "base/coco/coco_file_parser.h"
#include "base/coco/coco_issue_text.h"

namespace studio {

using namespace coco_detail;

void CocoIndex::FreeDeleter::operator()(CocoBox* p) const {
    std::free(p);
}

namespace {
constexpr std::uint64_t kNoElement = ~std::uint64_t(0);

CocoBox* allocateBoxes(std::size_t n) {
    if (n == 0)
        return nullptr;
    void* p = std::malloc(n * sizeof(CocoBox));
    if (!p)
        throw std::bad_alloc();
    return static_cast<CocoBox*>(p);
}
}  // namespace

/// Turns the parse output into the index: unique image ids, boxes grouped by image (stable),
/// checks.
struct CocoIndexBuilder {
    static void buildImages(CocoIndex& index, ParseOutput& out) {
        std::vector<std::int64_t> ids;
        ids.reserve(out.images.size());
        for (const auto& im : out.images)
            ids.push_back(im.id);
        const auto repeats = IdIndex().build(ids);
        std::vector<bool> drop(out.images.size(), false);
        for (const auto& [pos, first] : repeats) {
            drop[pos] = true;
            ParseIssue is{IssueKind::DuplicateImageId,
                          Section::Images,
                          pos,
                          out.images[pos].id,
                          "id",
                          "images[" + std::to_string(first) + "]"};
            out.issues.add(std::move(is));
        }
        index.m_images.reserve(out.images.size() - repeats.size());
        ids.clear();
        for (std::size_t i = 0; i < out.images.size(); ++i) {
            if (drop[i])
                continue;
            const ParsedImage& p = out.images[i];
            index.m_images.push_back({p.id, p.nameOffset, p.nameLength, p.width, p.height, 0, 0});
            ids.push_back(p.id);
        }
        index.m_imageById.build(ids);
        index.m_names = std::move(out.names);
        std::vector<ParsedImage>().swap(out.images);
    }

    static IdIndex buildCategories(CocoIndex& index, ParseOutput& out) {
        std::vector<std::int64_t> ids;
        for (const auto& c : out.categories)
            ids.push_back(c.id);
        const auto repeats = IdIndex().build(ids);
        std::vector<bool> drop(out.categories.size(), false);
        for (const auto& [pos, first] : repeats) {
            drop[pos] = true;
            out.issues.add({IssueKind::DuplicateCategoryId, Section::Categories, pos,
                            out.categories[pos].id, "id",
                            "categories[" + std::to_string(first) + "]"});
        }
        ids.clear();
        for (std::size_t i = 0; i < out.categories.size(); ++i) {
            if (drop[i])
                continue;
            ids.push_back(out.categories[i].id);
            index.m_categories.push_back(std::move(out.categories[i]));
        }
        IdIndex byId;
        byId.build(ids);
        return byId;
    }

    static void buildBoxes(CocoIndex& index, ParseOutput& out, const IdIndex& categories) {
        auto& chunks = out.boxes.chunks();
        std::vector<std::uint64_t> count(index.m_images.size() + 1, 0);
        bool inFileOrder = true;
        std::int64_t lastPos = -1;
        std::size_t kept = 0;
        // Pass 1: resolve image ids to positions (stored in imageId), count boxes per image.
        for (auto& chunk : chunks) {
            for (std::size_t i = 0; i < chunk.size; ++i) {
                ParsedBox& pb = chunk[i];
                const auto pos = index.m_imageById.find(pb.imageId);
                if (!pos) {
                    out.issues.add({IssueKind::UnknownImageId, Section::Annotations, kNoElement,
                                    pb.box.annotationId, "image_id", std::to_string(pb.imageId)});
                    pb.imageId = -1;
                    continue;
                }
                if (!categories.find(pb.box.categoryId))
                    out.issues.add({IssueKind::UnknownCategoryId, Section::Annotations, kNoElement,
                                    pb.box.annotationId, "category_id",
                                    std::to_string(pb.box.categoryId)});
                pb.imageId = *pos;
                ++count[*pos];
                ++kept;
                if (static_cast<std::int64_t>(*pos) < lastPos)
                    inFileOrder = false;
                lastPos = *pos;
            }
        }
        std::uint64_t first = 0;
        for (std::size_t i = 0; i < index.m_images.size(); ++i) {
            index.m_images[i].firstBox = first;
            index.m_images[i].boxCount = static_cast<std::uint32_t>(count[i]);
            count[i] = first;  // becomes the write cursor
            first += index.m_images[i].boxCount;
        }
        index.m_boxes.reset(allocateBoxes(kept));
        index.m_boxCount = kept;
        if (!inFileOrder)
            index.m_fileOrdinal.resize(kept);
        // Pass 2: scatter (stable within an image), freeing each chunk once copied.
        std::uint32_t ordinal = 0;
        for (auto& chunk : chunks) {
            for (std::size_t i = 0; i < chunk.size; ++i) {
                const ParsedBox& pb = chunk[i];
                if (pb.imageId < 0)
                    continue;
                const std::uint64_t at = count[static_cast<std::size_t>(pb.imageId)]++;
                std::memcpy(static_cast<void*>(&index.m_boxes[at]), &pb.box, sizeof(CocoBox));
                if (!inFileOrder)
                    index.m_fileOrdinal[at] = ordinal;
                ++ordinal;
            }
            chunk.data.reset();
        }
        chunks.clear();
        const std::uint64_t elements = out.elements[static_cast<int>(Section::Annotations)];
        index.m_skippedAnnotations = elements > kept ? elements - kept : 0;
    }
};

CocoIndex CocoIndex::load(const std::string& jsonPath, std::vector<Problem>* problems) {
    return load(jsonPath, problems, CocoLoadOptions{});
}

CocoIndex CocoIndex::load(const std::string& jsonPath, std::vector<Problem>* problems,
                          const CocoLoadOptions& options) {
    ParseOptions po;
    po.threads = options.threads;
    po.minBytesPerPart = options.minBytesPerPart;
    po.fastPath = options.fastParser;
    ParseResult parsed = parseCocoFile(jsonPath, po);
    const bool fatal = parsed.end.kind == ParseEnd::Kind::SyntaxError ||
                       parsed.end.kind == ParseEnd::Kind::ReadError ||
                       parsed.end.kind == ParseEnd::Kind::Structure;
    if (fatal && !problems) {
        const std::vector<Problem> found = describeParseIssues(jsonPath, parsed);
        throw std::runtime_error(found.empty() ? jsonPath + ": not a COCO annotation file"
                                               : found.front().toString());
    }
    CocoIndex index;
    index.m_directory = std::filesystem::path(jsonPath).parent_path().string();
    if (index.m_directory.empty())
        index.m_directory = ".";
    CocoIndexBuilder::buildImages(index, parsed.output);
    const IdIndex categories = CocoIndexBuilder::buildCategories(index, parsed.output);
    CocoIndexBuilder::buildBoxes(index, parsed.output, categories);
    if (problems) {
        std::vector<Problem> found = describeParseIssues(jsonPath, parsed);
        problems->insert(problems->end(), found.begin(), found.end());
    }
    return index;
}

CocoIndex::CocoIndex(const CocoIndex& o)
    : m_directory(o.m_directory),
      m_names(o.m_names),
      m_images(o.m_images),
      m_boxes(allocateBoxes(o.m_boxCount)),
      m_boxCount(o.m_boxCount),
      m_fileOrdinal(o.m_fileOrdinal),
      m_categories(o.m_categories),
      m_imageById(o.m_imageById),
      m_skippedAnnotations(o.m_skippedAnnotations) {
    if (m_boxCount)
        std::memcpy(static_cast<void*>(m_boxes.get()), o.m_boxes.get(),
                    m_boxCount * sizeof(CocoBox));
}

CocoIndex& CocoIndex::operator=(const CocoIndex& o) {
    if (this != &o)
        *this = CocoIndex(o);
    return *this;
}

std::size_t CocoIndex::numImages() const {
    return m_images.size();
}
std::size_t CocoIndex::numBoxes() const {
    return m_boxCount;
}
std::int64_t CocoIndex::imageId(std::size_t i) const {
    return m_images[i].id;
}
std::string_view CocoIndex::fileName(std::size_t i) const {
    return std::string_view(m_names).substr(m_images[i].nameOffset, m_images[i].nameLength);
}
int CocoIndex::width(std::size_t i) const {
    return m_images[i].width;
}
int CocoIndex::height(std::size_t i) const {
    return m_images[i].height;
}
Span<CocoBox> CocoIndex::boxes(std::size_t i) const {
    return {m_boxes.get() + m_images[i].firstBox, m_images[i].boxCount};
}
std::optional<std::size_t> CocoIndex::indexOfImage(std::int64_t id) const {
    const auto p = m_imageById.find(id);
    if (!p)
        return std::nullopt;
    return static_cast<std::size_t>(*p);
}
const std::vector<CocoCategory>& CocoIndex::categories() const {
    return m_categories;
}
const std::string& CocoIndex::directory() const {
    return m_directory;
}

std::uint64_t CocoIndex::fileOrdinal(std::size_t i, std::size_t k) const {
    const std::uint64_t at = m_images[i].firstBox + k;
    return m_fileOrdinal.empty() ? at : m_fileOrdinal[at];
}

std::size_t CocoIndex::memoryBytes() const {
    std::size_t bytes = sizeof(*this) + m_directory.capacity() + m_names.capacity();
    bytes += m_images.capacity() * sizeof(ImageRecord) + m_boxCount * sizeof(CocoBox);
    bytes += m_fileOrdinal.capacity() * sizeof(std::uint32_t) + m_imageById.memoryBytes();
    for (const auto& c : m_categories)
        bytes += sizeof(c) + c.name.capacity() + c.supercategory.capacity();
    return bytes;
}

}  // namespace studio
