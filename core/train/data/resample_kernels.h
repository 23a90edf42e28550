#pragma once
// The inner loops of the resampler (resample.cpp): SSE2 on x86-64 (AVX2 where the CPU has it, chosen at
// run time), plain C++ elsewhere. Every variant performs the same float operations per value in the same
// order (no FMA contraction), so results are identical on every machine.
#include <cstdint>

namespace studio::train::kernels {

/// out[i] = p[i] for n bytes.
void bytesToFloat(const std::uint8_t* p, int n, float* out);

/// out[i] = sum over k < count of w[k] * rows[k][i], for n floats.
void weightedRowSum(const float* const* rows, const float* w, int count, int n, float* out);

/// One output row of the horizontal pass. Output pixel x (of n) sums count[x] pixels from source column
/// first[x] with the weights weights4[(x * taps + k) * 4 + lane] (each weight repeated in four lanes, zero
/// past count[x]); the sum is rounded like Pillow's clip8 (add 0.5, truncate, clamp 0..255) and written to
/// pixel x, or n-1-x when `flip`. `in` holds RGB floats of the source columns from `inFirst` on, followed by
/// at least 3 * taps + 1 spare floats (pixels are read four floats at a time, neighbours with weight 0).
void horizontalRow(const float* in, int inFirst, const int* first, const int* count, const float* weights4, int taps,
                   int n, bool flip, std::uint8_t* out);

}  // namespace studio::train::kernels
