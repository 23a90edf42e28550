#include "base/coco/capped_problems.h"

namespace studio {

void CappedProblems::add(const std::string& kind, Problem p) {
    auto [it, inserted] = m_kinds.try_emplace(kind);
    if (inserted)
        m_order.push_back(kind);
    Kind& k = it->second;
    ++k.count;
    if (k.count <= m_max)
        m_kept.push_back(p);
    k.last = std::move(p);
}

std::uint64_t CappedProblems::count(const std::string& kind) const {
    const auto it = m_kinds.find(kind);
    return it == m_kinds.end() ? 0 : it->second.count;
}

void CappedProblems::appendTo(std::vector<Problem>& out) const {
    out.insert(out.end(), m_kept.begin(), m_kept.end());
    for (const auto& name : m_order) {
        const Kind& k = m_kinds.at(name);
        if (k.count <= m_max)
            continue;
        Problem p = k.last;
        const auto colon = p.field.find(": ");
        if (colon != std::string::npos)
            p.field.resize(colon);  // the file, without the record
        p.value.clear();
        p.message = "and " + std::to_string(k.count - m_max) + " more like the above (" +
                    std::to_string(k.count) + " in all): " + p.message;
        out.push_back(std::move(p));
    }
}

}  // namespace studio
