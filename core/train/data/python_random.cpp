#include "train/data/python_random.h"

#include <stdexcept>

namespace studio::train {

namespace {
constexpr int kN = 624, kM = 397;
constexpr std::uint32_t kMatrixA = 0x9908b0dfU, kUpper = 0x80000000U, kLower = 0x7fffffffU;
}  // namespace

void PythonRandom::initGenrand(std::uint32_t s) {
    m_mt[0] = s;
    for (int i = 1; i < kN; ++i) m_mt[i] = 1812433253U * (m_mt[i - 1] ^ (m_mt[i - 1] >> 30)) + std::uint32_t(i);
    m_index = kN;
}

void PythonRandom::initByArray(const std::vector<std::uint32_t>& key) {
    initGenrand(19650218U);
    int i = 1, j = 0;
    const int len = int(key.size());
    for (int k = kN > len ? kN : len; k; --k) {
        m_mt[i] = (m_mt[i] ^ ((m_mt[i - 1] ^ (m_mt[i - 1] >> 30)) * 1664525U)) + key[j] + std::uint32_t(j);
        ++i;
        ++j;
        if (i >= kN) {
            m_mt[0] = m_mt[kN - 1];
            i = 1;
        }
        if (j >= len) j = 0;
    }
    for (int k = kN - 1; k; --k) {
        m_mt[i] = (m_mt[i] ^ ((m_mt[i - 1] ^ (m_mt[i - 1] >> 30)) * 1566083941U)) - std::uint32_t(i);
        ++i;
        if (i >= kN) {
            m_mt[0] = m_mt[kN - 1];
            i = 1;
        }
    }
    m_mt[0] = 0x80000000U;
}

void PythonRandom::seed(std::int64_t n) {
    // CPython: key = the 32-bit words of abs(n), least significant first; [0] for 0.
    std::uint64_t a = n < 0 ? std::uint64_t(0) - std::uint64_t(n) : std::uint64_t(n);
    std::vector<std::uint32_t> key;
    while (a) {
        key.push_back(std::uint32_t(a & 0xffffffffU));
        a >>= 32;
    }
    if (key.empty()) key.push_back(0);
    initByArray(key);
}

std::uint32_t PythonRandom::genrandUint32() {
    if (m_index >= kN) {
        int k = 0;
        for (; k < kN - kM; ++k) {
            const std::uint32_t y = (m_mt[k] & kUpper) | (m_mt[k + 1] & kLower);
            m_mt[k] = m_mt[k + kM] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
        }
        for (; k < kN - 1; ++k) {
            const std::uint32_t y = (m_mt[k] & kUpper) | (m_mt[k + 1] & kLower);
            m_mt[k] = m_mt[k + (kM - kN)] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
        }
        const std::uint32_t y = (m_mt[kN - 1] & kUpper) | (m_mt[0] & kLower);
        m_mt[kN - 1] = m_mt[kM - 1] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
        m_index = 0;
    }
    std::uint32_t y = m_mt[m_index++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

std::uint32_t PythonRandom::getrandbits(int k) {
    if (k <= 0 || k > 32) throw std::invalid_argument("getrandbits: k must be in 1..32");
    return genrandUint32() >> (32 - k);
}

std::uint64_t PythonRandom::randbelow(std::uint64_t n) {
    if (n == 0) throw std::invalid_argument("randbelow: n must be at least 1");
    int k = 0;
    for (std::uint64_t v = n; v; v >>= 1) ++k;  // n.bit_length()
    if (k > 32) throw std::invalid_argument("randbelow: n above 2^32 is not needed here");
    std::uint64_t r = getrandbits(k);
    while (r >= n) r = getrandbits(k);
    return r;
}

double PythonRandom::random() {
    const std::uint32_t a = genrandUint32() >> 5, b = genrandUint32() >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

}  // namespace studio::train
