#include "train/data/resample_kernels.h"

#include <cstring>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

// The vector types below are only passed between inline helpers of this file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace studio::train::kernels {

namespace {

using Float4 = float __attribute__((vector_size(16)));
using Float8 = float __attribute__((vector_size(32)));  // one AVX register, or two SSE registers

template <typename V>
inline V load(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <typename V>
inline void store(float* p, V v) {
    std::memcpy(p, &v, sizeof v);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define STUDIO_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define STUDIO_AVX2_CLONES
#endif

#if defined(__SSE2__)
void bytesToFloatSse2(const std::uint8_t* p, int n, float* out) {
    int i = 0;
    const __m128i zero = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const __m128i lo = _mm_unpacklo_epi8(b, zero), hi = _mm_unpackhi_epi8(b, zero);
        _mm_storeu_ps(out + i, _mm_cvtepi32_ps(_mm_unpacklo_epi16(lo, zero)));
        _mm_storeu_ps(out + i + 4, _mm_cvtepi32_ps(_mm_unpackhi_epi16(lo, zero)));
        _mm_storeu_ps(out + i + 8, _mm_cvtepi32_ps(_mm_unpacklo_epi16(hi, zero)));
        _mm_storeu_ps(out + i + 12, _mm_cvtepi32_ps(_mm_unpackhi_epi16(hi, zero)));
    }
    for (; i < n; ++i) out[i] = float(p[i]);
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) void bytesToFloatAvx2(const std::uint8_t* p, int n, float* out) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + i));
        _mm256_storeu_ps(out + i, _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b)));
    }
    for (; i < n; ++i) out[i] = float(p[i]);
}
#endif

inline std::uint8_t clip8(float v) {
    const float r = v + 0.5f;
    return r <= 0.f ? 0 : r >= 255.f ? 255 : static_cast<std::uint8_t>(r);
}

}  // namespace

void bytesToFloat(const std::uint8_t* p, int n, float* out) {
#if defined(__x86_64__) && defined(__GNUC__)
    static const bool avx2 = __builtin_cpu_supports("avx2");
    if (avx2) return bytesToFloatAvx2(p, n, out);
#endif
#if defined(__SSE2__)
    bytesToFloatSse2(p, n, out);
#else
    for (int i = 0; i < n; ++i) out[i] = float(p[i]);
#endif
}

STUDIO_AVX2_CLONES void weightedRowSum(const float* const* rows, const float* w, int count, int n, float* out) {
    int i = 0;
    // 16 columns at a time, summed in registers (each row is read once per block).
    for (; i + 16 <= n; i += 16) {
        Float8 a = load<Float8>(rows[0] + i) * w[0], b = load<Float8>(rows[0] + i + 8) * w[0];
        for (int k = 1; k < count; ++k) {
            a += load<Float8>(rows[k] + i) * w[k];
            b += load<Float8>(rows[k] + i + 8) * w[k];
        }
        store(out + i, a);
        store(out + i + 8, b);
    }
    for (; i < n; ++i) {
        float s = rows[0][i] * w[0];
        for (int k = 1; k < count; ++k) s += rows[k][i] * w[k];
        out[i] = s;
    }
}

void horizontalRow(const float* in, int inFirst, const int* first, const int* count, const float* weights4, int taps,
                   int n, bool flip, std::uint8_t* out) {
    for (int x = 0; x < n; ++x) {
        const float* p = in + std::size_t(first[x] - inFirst) * 3;
        const float* w = weights4 + std::size_t(x) * taps * 4;
        const int c = count[x];
        // A pixel is read as four floats (the fourth is the next pixel's R, ignored); two partial sums
        // halve the dependency chain.
        Float4 s0 = load<Float4>(p) * load<Float4>(w), s1 = {0.f, 0.f, 0.f, 0.f};
        int k = 1;
        for (; k + 1 < c; k += 2) {
            s1 += load<Float4>(p + 3 * k) * load<Float4>(w + 4 * k);
            s0 += load<Float4>(p + 3 * k + 3) * load<Float4>(w + 4 * k + 4);
        }
        if (k < c) s1 += load<Float4>(p + 3 * k) * load<Float4>(w + 4 * k);
        const Float4 sum = s0 + s1;
        std::uint8_t* o = out + std::size_t(flip ? n - 1 - x : x) * 3;
#if defined(__SSE2__)
        __m128 v;
        std::memcpy(&v, &sum, sizeof v);
        v = _mm_min_ps(_mm_max_ps(_mm_add_ps(v, _mm_set1_ps(0.5f)), _mm_setzero_ps()), _mm_set1_ps(255.f));
        const __m128i i32 = _mm_cvttps_epi32(v);
        const __m128i i16 = _mm_packs_epi32(i32, i32);
        const std::uint32_t rgbx = std::uint32_t(_mm_cvtsi128_si32(_mm_packus_epi16(i16, i16)));
        o[0] = std::uint8_t(rgbx);
        o[1] = std::uint8_t(rgbx >> 8);
        o[2] = std::uint8_t(rgbx >> 16);
#else
        o[0] = clip8(sum[0]);
        o[1] = clip8(sum[1]);
        o[2] = clip8(sum[2]);
#endif
    }
}

}  // namespace studio::train::kernels
