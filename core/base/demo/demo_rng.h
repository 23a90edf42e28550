#pragma once
// The demo generator's random numbers: SplitMix64, fully specified so a page's pixels depend only on its
// seed (never on the platform's standard library).
#include <cstdint>

namespace studio::demo {

class DemoRng {
public:
    explicit DemoRng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    /// Uniform in [lo, hi] (inclusive; the tiny modulo bias is irrelevant for drawing).
    int range(int lo, int hi) { return hi <= lo ? lo : lo + int(next() % std::uint64_t(hi - lo + 1)); }
    /// True with probability percent / 100.
    bool chance(int percent) { return range(0, 99) < percent; }

private:
    std::uint64_t m_state;
};

}  // namespace studio::demo
