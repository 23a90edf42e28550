#pragma once
// Maps 64-bit ids (image ids, category ids) to positions: a direct table when the ids are dense
// (the usual 0..N-1 or 1..N), a sorted table with binary search otherwise. Built once, read from
// any thread.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace studio {

class IdIndex {
  public:
    /// Indexes `ids` (position i holds ids[i]); a repeated id keeps its first position. Returns the
    /// positions that repeat an earlier id, each with the first position.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> build(
        const std::vector<std::int64_t>& ids);
    /// Position of `id`, if indexed.
    std::optional<std::uint32_t> find(std::int64_t id) const {
        if (m_dense) {
            if (id < m_min || id > m_max)
                return std::nullopt;
            const std::uint32_t p = m_table[static_cast<std::size_t>(id - m_min)];
            if (p == kNone)
                return std::nullopt;
            return p;
        }
        return findSorted(id);
    }
    std::size_t memoryBytes() const {
        return m_table.capacity() * sizeof(std::uint32_t) +
               m_sorted.capacity() * sizeof(m_sorted[0]);
    }

  private:
    static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
    std::optional<std::uint32_t> findSorted(std::int64_t id) const;
    bool m_dense = false;
    std::int64_t m_min = 0, m_max = -1;
    std::vector<std::uint32_t> m_table;                            // dense: id - m_min -> position
    std::vector<std::pair<std::int64_t, std::uint32_t>> m_sorted;  // sparse: (id, position) by id
};

}  // namespace studio
