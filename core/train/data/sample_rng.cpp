#include "train/data/sample_rng.h"

namespace studio::train {

namespace {
inline std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

SampleRng::SampleRng(std::uint64_t seed) {
    std::uint64_t s = seed;
    for (auto& w : m_s) {
        s += 0x9e3779b97f4a7c15ULL;
        w = mix64(s);
    }
}

SampleRng SampleRng::fromKeys(std::initializer_list<std::uint64_t> keys) {
    std::uint64_t h = 0x6a09e667f3bcc908ULL;
    for (std::uint64_t k : keys) h = mix64(h ^ mix64(k));
    return SampleRng(h);
}

std::uint64_t SampleRng::next() {
    const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const std::uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
}

double SampleRng::uniform() { return double(next() >> 11) * 0x1.0p-53; }

int SampleRng::uniformInt(int lo, int hi) {
    const std::uint64_t range = std::uint64_t(std::int64_t(hi) - lo) + 1;
    // Rejection sampling on the top of the 64-bit range: unbiased and portable.
    const std::uint64_t limit = ~std::uint64_t(0) - (~std::uint64_t(0) % range);
    std::uint64_t v;
    do {
        v = next();
    } while (v >= limit);
    return int(std::int64_t(lo) + std::int64_t(v % range));
}

}  // namespace studio::train
