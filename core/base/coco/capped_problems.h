#pragma once
// Collects problems of many kinds, keeping the first few of each kind and counting the rest, so a
// dataset with 400,000 missing images yields a readable report that still says how many there are.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/util/problem.h"

namespace studio {

class CappedProblems {
  public:
    explicit CappedProblems(std::size_t maxPerKind = 20) : m_max(maxPerKind) {}
    /// Records `p` under `kind`; only the first maxPerKind of a kind are kept in full.
    void add(const std::string& kind, Problem p);
    std::uint64_t count(const std::string& kind) const;
    /// Appends the kept problems, then for each kind with more, one line "and N more like the
    /// above".
    void appendTo(std::vector<Problem>& out) const;

  private:
    struct Kind {
        std::uint64_t count = 0;
        Problem last;
    };
    std::size_t m_max;
    std::vector<Problem> m_kept;
    std::map<std::string, Kind> m_kinds;
    std::vector<std::string> m_order;
};

}  // namespace studio
