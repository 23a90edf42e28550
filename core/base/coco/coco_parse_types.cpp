#include "base/coco/coco_parse_types.h"

#include <sys/mman.h>

namespace studio::coco_detail {

void* mapPages(std::size_t bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw std::bad_alloc();
    return p;
}

void MappedDeleter::operator()(void* p) const {
    if (p)
        ::munmap(p, bytes);
}

void IssueLog::add(ParseIssue issue) {
    const int k = static_cast<int>(issue.kind);
    ++m_counts[k];
    if (m_listedCounts[k] >= kMaxListed)
        return;
    ++m_listedCounts[k];
    m_listed.push_back(std::move(issue));
}

void IssueLog::append(const IssueLog& other,
                      const std::array<std::uint64_t, kSectionCount>& elementOffset) {
    for (ParseIssue is : other.m_listed) {
        const int k = static_cast<int>(is.kind);
        if (m_listedCounts[k] >= kMaxListed)
            continue;
        ++m_listedCounts[k];
        is.element += elementOffset[static_cast<int>(is.section)];
        m_listed.push_back(std::move(is));
    }
    for (int k = 0; k < kIssueKindCount; ++k)
        m_counts[k] += other.m_counts[k];
}

void appendParseOutput(ParseOutput& into, ParseOutput&& part) {
    const auto nameBase = static_cast<std::uint32_t>(into.names.size());
    into.names += part.names;
    for (ParsedImage im : part.images) {
        im.nameOffset += nameBase;
        into.images.push_back(im);
    }
    into.boxes.append(std::move(part.boxes));
    for (auto& c : part.categories)
        into.categories.push_back(std::move(c));
    into.issues.append(part.issues, into.elements);
    for (int s = 0; s < kSectionCount; ++s)
        into.elements[s] += part.elements[s];
}

}  // namespace studio::coco_detail
