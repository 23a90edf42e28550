#pragma once
// CPython's `random` module, the parts rfdetr's per-step multi-scale choice uses (rfdetr-spec.md §6.4):
// random.seed(int) (MT19937 init_by_array over the 32-bit words of |n|), getrandbits(k), _randbelow(n),
// choice(seq) and random(). Bit-compatible with CPython 3.x.
#include <cstdint>
#include <vector>

namespace studio::train {

class PythonRandom {
public:
    /// random.seed(n) for an int n.
    explicit PythonRandom(std::int64_t n = 0) { seed(n); }
    void seed(std::int64_t n);

    std::uint32_t genrandUint32();
    /// getrandbits(k) for 0 < k <= 32.
    std::uint32_t getrandbits(int k);
    /// _randbelow(n): uniform in [0, n) by rejection on bit_length(n) bits. n >= 1.
    std::uint64_t randbelow(std::uint64_t n);
    /// random.random(): 53-bit float in [0, 1).
    double random();

private:
    void initGenrand(std::uint32_t s);
    void initByArray(const std::vector<std::uint32_t>& key);

    std::uint32_t m_mt[624];
    int m_index = 625;
};

}  // namespace studio::train
