#include "base/coco/id_index.h"

#include <algorithm>

namespace studio {

std::vector<std::pair<std::uint32_t, std::uint32_t>> IdIndex::build(
    const std::vector<std::int64_t>& ids) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> repeats;
    m_table.clear();
    m_sorted.clear();
    m_dense = false;
    if (ids.empty())
        return repeats;
    const auto [lo, hi] = std::minmax_element(ids.begin(), ids.end());
    m_min = *lo;
    m_max = *hi;
    // Dense when the table costs at most ~4 entries per id (and the subtraction cannot overflow).
    const bool spanFits = m_min >= -(std::int64_t(1) << 62) && m_max <= (std::int64_t(1) << 62);
    const std::uint64_t span =
        spanFits ? static_cast<std::uint64_t>(m_max - m_min) + 1 : ~std::uint64_t(0);
    if (span <= 4 * static_cast<std::uint64_t>(ids.size()) + 1024) {
        m_dense = true;
        m_table.assign(static_cast<std::size_t>(span), kNone);
        for (std::size_t i = 0; i < ids.size(); ++i) {
            std::uint32_t& slot = m_table[static_cast<std::size_t>(ids[i] - m_min)];
            if (slot == kNone)
                slot = static_cast<std::uint32_t>(i);
            else
                repeats.emplace_back(static_cast<std::uint32_t>(i), slot);
        }
        return repeats;
    }
    m_sorted.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
        m_sorted.emplace_back(ids[i], static_cast<std::uint32_t>(i));
    std::sort(m_sorted.begin(), m_sorted.end());
    std::size_t w = 0;
    for (std::size_t r = 0; r < m_sorted.size(); ++r) {
        if (w > 0 && m_sorted[w - 1].first == m_sorted[r].first) {
            repeats.emplace_back(m_sorted[r].second, m_sorted[w - 1].second);
            continue;
        }
        m_sorted[w++] = m_sorted[r];
    }
    m_sorted.resize(w);
    std::sort(repeats.begin(), repeats.end());
    return repeats;
}

std::optional<std::uint32_t> IdIndex::findSorted(std::int64_t id) const {
    const auto it =
        std::lower_bound(m_sorted.begin(), m_sorted.end(), std::make_pair(id, std::uint32_t(0)));
    if (it == m_sorted.end() || it->first != id)
        return std::nullopt;
    return it->second;
}

}  // namespace studio
