#pragma once
// The random numbers of one sample's augmentation: a small, fully specified generator (SplitMix64 seeding
// xoshiro256**), so the same (seed, epoch, rank, position) gives the same augmentation on every machine and
// standard library — std::uniform_int_distribution's output is implementation-defined.
#include <cstdint>
#include <initializer_list>

namespace studio::train {

class SampleRng {
public:
    explicit SampleRng(std::uint64_t seed);
    /// Seed from several values (seed, epoch, rank, index...), mixed so neighbours are unrelated.
    static SampleRng fromKeys(std::initializer_list<std::uint64_t> keys);

    std::uint64_t next();
    /// Uniform in [0, 1) with 53 random bits.
    double uniform();
    /// Uniform integer in [lo, hi] (inclusive, unbiased). Requires lo <= hi.
    int uniformInt(int lo, int hi);
    /// True with probability p.
    bool bernoulli(double p) { return uniform() < p; }

private:
    std::uint64_t m_s[4];
};

/// SplitMix64 step: a good 64-bit mix of x.
std::uint64_t mix64(std::uint64_t x);

}  // namespace studio::train
