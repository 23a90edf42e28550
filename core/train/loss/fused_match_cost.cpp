#include "train/loss/fused_match_cost.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

// The vector helpers are templates over the vector type (8 or 16 float lanes), forced inline into
// the kernels compiled per instruction set (AVX-512: 16 lanes, AVX2 and the baseline: 8): their
// by-value vector ABI must never cross a call boundary. Every lane performs the same IEEE float
// operations in the same order whatever the width (no FMA contraction: core/train/CMakeLists.txt
// compiles this file with -ffp-contract=off), so all kernels give bit-identical costs.
#pragma GCC diagnostic ignored "-Wpsabi"
#define STUDIO_INLINE inline __attribute__((always_inline))
#define STUDIO_INLINE_LAMBDA __attribute__((always_inline))

namespace studio::train {
namespace {

typedef float V8f __attribute__((vector_size(32)));
typedef float V16f __attribute__((vector_size(64)));

template <class VF>
using IntOf = decltype(VF{} < VF{});  // the same-width int32 lane mask type

template <class VF>
constexpr int lanesOf() {
    return static_cast<int>(sizeof(VF) / sizeof(float));
}

template <class VF>
STUDIO_INLINE VF load(const float* p) {
    VF x;
    std::memcpy(&x, p, sizeof x);
    return x;
}
template <class VF>
STUDIO_INLINE void store(float* p, const VF& x) {
    std::memcpy(p, &x, sizeof x);
}
// The first `count` lanes (8, or all): output rows are padded to 8 floats only, and the last
// vector of the last row must not write past the block.
STUDIO_INLINE void storeFirst(float* p, const V8f& x, int) {
    store(p, x);
}
STUDIO_INLINE void storeFirst(float* p, const V16f& x, int count) {
    if (count >= 16)
        store(p, x);
    else
        store(p, V8f(__builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7)));
}
template <class VF>
STUDIO_INLINE VF splat(float x) {
    return VF{} + x;
}
template <class VF>
STUDIO_INLINE VF vmax(const VF& a, const VF& b) {
    return a > b ? a : b;
}
template <class VF>
STUDIO_INLINE VF vmin(const VF& a, const VF& b) {
    return a < b ? a : b;
}
template <class VF>
STUDIO_INLINE VF vabs(const VF& a) {
    return (VF)((IntOf<VF>)a & 0x7fffffff);
}  // fabs: clear the sign bit

// exp(x) for x <= 0 (Cephes expf: x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial, scale by 2^n).
// Below -87.3 (exp < FLT_MIN) it returns FLT_MIN instead of a denormal.
template <class VF>
STUDIO_INLINE VF expNonPositive(const VF& in) {
    using VI = IntOf<VF>;
    const VF x = vmax(in, splat<VF>(-87.33654f));
    const VI n = -__builtin_convertvector(0.5f - x * 1.44269504088896341f, VI);  // round(x / ln2)
    const VF nf = __builtin_convertvector(n, VF);
    const VF r = (x - nf * 0.693359375f) - nf * -2.12194440e-4f;
    VF y = splat<VF>(1.9875691500e-4f);
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * (r * r) + r + 1.0f;
    VI bits = (n + 127) << 23;
    VF scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return y * scale;
}

// log(u) for 1 <= u <= 2 by the Cephes logf polynomial on [sqrt(1/2), sqrt(2)).
template <class VF>
STUDIO_INLINE VF logOneToTwo(const VF& u) {
    using VI = IntOf<VF>;
    const VI big = u > 1.41421356237f;
    const VF m = big ? u * 0.5f : u;
    const VF k = big ? splat<VF>(1.0f) : splat<VF>(0.0f);
    const VF x = m - 1.0f;
    const VF z = x * x;
    VF y = splat<VF>(7.0376836292e-2f);
    y = y * x - 1.1514610310e-1f;
    y = y * x + 1.1676998740e-1f;
    y = y * x - 1.2420140846e-1f;
    y = y * x + 1.4249322787e-1f;
    y = y * x - 1.6668057665e-1f;
    y = y * x + 2.0000714765e-1f;
    y = y * x - 2.4999993993e-1f;
    y = y * x + 3.3333331174e-1f;
    y = y * x * z;
    y = y + k * -2.12194440e-4f;
    y = y - 0.5f * z;
    return (x + y) + k * 0.693359375f;
}

// log1p(e) for 0 <= e <= 1, given u = 1 + e and its reciprocal: log(u) plus the rounding correction
// (e - (u - 1)) / u that keeps it accurate for small e.
template <class VF>
STUDIO_INLINE VF log1pUnit(const VF& e, const VF& u, const VF& invU) {
    return logOneToTwo(u) + (e - (u - 1.0f)) * invU;
}

template <class VF>
STUDIO_INLINE VF log1pUnit(const VF& e) {
    const VF u = 1.0f + e;
    return log1pUnit(e, u, 1.0f / u);
}

// Class cost of a vector of logits: alpha (1-p)^gamma (-logsigmoid x) - (1-alpha) p^gamma
// (-logsigmoid -x), with one exp, one log and one division: e = exp(-|x|), p = 1/(1+e) or e/(1+e),
// log1p(e) shared by both.
template <class VF>
STUDIO_INLINE VF classCost(const VF& x, float alpha, float gamma) {
    const VF e = expNonPositive(-vabs(x));
    const VF u = 1.0f + e;
    const VF inv = 1.0f / u;
    const VF p = x >= 0.0f ? inv : e * inv;
    const VF soft = log1pUnit(e, u, inv);
    const VF logSigPos = vmin(x, splat<VF>(0.0f)) - soft;
    const VF logSigNeg = vmin(-x, splat<VF>(0.0f)) - soft;
    const VF q = 1.0f - p;
    VF pg = p * p, qg = q * q;
    if (gamma != 2.0f) {
        for (int i = 0; i < lanesOf<VF>(); ++i) {
            pg[i] = std::pow(p[i], gamma);
            qg[i] = std::pow(q[i], gamma);
        }
    }
    const VF neg = ((1.0f - alpha) * pg) * -logSigNeg;
    const VF pos = (alpha * qg) * -logSigPos;
    return pos - neg;
}

// Four interleaved streams (boxes cxcywh, or the logits of four classes) of one vector of rows,
// split into one vector per stream: in[4 * i + k] -> out[k][i]. Data movement only.
STUDIO_INLINE void deinterleave4(const float* in, V8f* out) {
    const V8f v0 = load<V8f>(in), v1 = load<V8f>(in + 8), v2 = load<V8f>(in + 16),
              v3 = load<V8f>(in + 24);
    const V8f t0 = __builtin_shufflevector(v0, v1, 0, 4, 8, 12, 1, 5, 9, 13);
    const V8f t1 = __builtin_shufflevector(v0, v1, 2, 6, 10, 14, 3, 7, 11, 15);
    const V8f t2 = __builtin_shufflevector(v2, v3, 0, 4, 8, 12, 1, 5, 9, 13);
    const V8f t3 = __builtin_shufflevector(v2, v3, 2, 6, 10, 14, 3, 7, 11, 15);
    out[0] = __builtin_shufflevector(t0, t2, 0, 1, 2, 3, 8, 9, 10, 11);
    out[1] = __builtin_shufflevector(t0, t2, 4, 5, 6, 7, 12, 13, 14, 15);
    out[2] = __builtin_shufflevector(t1, t3, 0, 1, 2, 3, 8, 9, 10, 11);
    out[3] = __builtin_shufflevector(t1, t3, 4, 5, 6, 7, 12, 13, 14, 15);
}
STUDIO_INLINE void deinterleave4(const float* in, V16f* out) {
    const V16f v0 = load<V16f>(in), v1 = load<V16f>(in + 16), v2 = load<V16f>(in + 32),
               v3 = load<V16f>(in + 48);
#define STUDIO_EVEN 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29
#define STUDIO_ODD 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31
#define STUDIO_LOW 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define STUDIO_HIGH 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
    const V16f t0 = __builtin_shufflevector(v0, v1, STUDIO_EVEN);
    const V16f t1 = __builtin_shufflevector(v0, v1, STUDIO_ODD);
    const V16f t2 = __builtin_shufflevector(v2, v3, STUDIO_EVEN);
    const V16f t3 = __builtin_shufflevector(v2, v3, STUDIO_ODD);
    out[0] = __builtin_shufflevector(t0, t2, STUDIO_LOW);
    out[1] = __builtin_shufflevector(t0, t2, STUDIO_HIGH);
    out[2] = __builtin_shufflevector(t1, t3, STUDIO_LOW);
    out[3] = __builtin_shufflevector(t1, t3, STUDIO_HIGH);
#undef STUDIO_EVEN
#undef STUDIO_ODD
#undef STUDIO_LOW
#undef STUDIO_HIGH
}

// Reduces the lanes of a vector (16, 8 or 4 lanes of 32 bits) with `op`, which takes two vectors or
// two scalars: halves combined down to four lanes, then those four.
template <class V, class Op>
STUDIO_INLINE auto reduceLanes(const V& x, Op op) {
    constexpr int n = static_cast<int>(sizeof(V) / 4);
    if constexpr (n == 16)
        return reduceLanes(op(__builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7),
                              __builtin_shufflevector(x, x, 8, 9, 10, 11, 12, 13, 14, 15)),
                           op);
    else if constexpr (n == 8)
        return reduceLanes(
            op(__builtin_shufflevector(x, x, 0, 1, 2, 3), __builtin_shufflevector(x, x, 4, 5, 6, 7)),
            op);
    else
        return op(op(x[0], x[1]), op(x[2], x[3]));
}

volatile float kOpaqueZero = 0.0f;  // read once per kernel call (see fusedCostImpl)

int padded(int n, int to = 8) {
    return (n + to - 1) / to * to;
}

// The kernel body. Scratch rows are padded to the vector width; the output only to 8 (its stride).
template <class VF>
STUDIO_INLINE void fusedCostImpl(const float* logits, const float* boxes, int rows, int numClasses,
                                 const FusedTargets& tg, const MatchCostWeights& w, float* out,
                                 FusedScratch& s, std::ptrdiff_t outStride, LsapRowMin* rowMins) {
    using VI = IntOf<VF>;
    constexpr int kN = lanesOf<VF>();
    const int pad = padded(rows, kN), outPad = padded(rows);
    const int nc = static_cast<int>(tg.classes.size());
    const float alpha = static_cast<float>(w.focalAlpha), gamma = static_cast<float>(w.focalGamma);
    // Predictions as structure of arrays: cx, cy, w, h, x0, y0, x1, y1, area (padding: a unit box).
    s.pred.resize(static_cast<std::size_t>(9) * pad);
    float* cx = s.pred.data();
    float *cy = cx + pad, *bw = cy + pad, *bh = bw + pad;
    float *x0 = bh + pad, *y0 = x0 + pad, *x1 = y0 + pad, *y1 = x1 + pad, *area = y1 + pad;
    const int whole = rows / kN * kN;  // rows in whole vectors: de-interleaved with shuffles
    for (int q = 0; q < whole; q += kN) {
        VF v[4];
        deinterleave4(boxes + 4 * static_cast<std::ptrdiff_t>(q), v);
        store(cx + q, v[0]);
        store(cy + q, v[1]);
        store(bw + q, v[2]);
        store(bh + q, v[3]);
    }
    for (int q = whole; q < rows; ++q) {
        const float* b = boxes + 4 * static_cast<std::ptrdiff_t>(q);
        cx[q] = b[0];
        cy[q] = b[1];
        bw[q] = b[2];
        bh[q] = b[3];
    }
    for (int q = rows; q < pad; ++q) {
        cx[q] = cy[q] = 0.5f;
        bw[q] = bh[q] = 1.0f;
    }
    for (int q = 0; q < pad; q += kN) {
        const VF c = load<VF>(cx + q), d = load<VF>(cy + q);
        const VF hw = 0.5f * vmax(load<VF>(bw + q), splat<VF>(0.0f)),
                 hh = 0.5f * vmax(load<VF>(bh + q), splat<VF>(0.0f));
        const VF a0 = c - hw, b0 = d - hh, a1 = c + hw, b1 = d + hh;
        store(x0 + q, a0);
        store(y0 + q, b0);
        store(x1 + q, a1);
        store(y1 + q, b1);
        store(area + q, (a1 - a0) * (b1 - b0));
    }
    // Class cost per distinct class of the image.
    s.classCost.resize(static_cast<std::size_t>(nc) * pad);
    // The logits of each class present, gathered into rows (with four classes, de-interleaved a
    // vector at a time like the boxes), then their costs.
    const int gathered = numClasses == 4 ? whole : 0;
    for (int q = 0; q < gathered; q += kN) {
        VF v[4];
        deinterleave4(logits + 4 * static_cast<std::ptrdiff_t>(q), v);
        for (int c = 0; c < nc; ++c)
            store(s.classCost.data() + static_cast<std::size_t>(c) * pad + q, v[tg.classes[c]]);
    }
    for (int c = 0; c < nc; ++c) {
        float* row = s.classCost.data() + static_cast<std::size_t>(c) * pad;
        const std::int64_t label = tg.classes[c];
        const float* x = logits + label;
        for (int q = gathered; q < rows; ++q)
            row[q] = x[static_cast<std::ptrdiff_t>(q) * numClasses];
        for (int q = rows; q < pad; ++q)
            row[q] = 0.0f;
        for (int q = 0; q < pad; q += kN)
            store(row + q, classCost(load<VF>(row + q), alpha, gamma));
    }
    const float wb = static_cast<float>(w.bboxWeight), wc = static_cast<float>(w.classWeight);
    const float wg = static_cast<float>(w.giouWeight);
    VI iota{};
    for (int k = 0; k < kN; ++k)
        iota[k] = k;
    const VI rowsV = VI{} + rows;
    // A zero the compiler cannot see: `x > 0 ? x : 0` then compiles to one max instruction instead
    // of a compare and a zeroing move (same result for every x, NaN included).
    const VF zero = splat<VF>(kOpaqueZero);
    for (int t = 0; t < tg.count; ++t) {
        const float* cls = s.classCost.data() + static_cast<std::size_t>(tg.classSlot[t]) * pad;
        const float tcx = tg.cx[t], tcy = tg.cy[t], tw = tg.w[t], th = tg.h[t];
        const float tx0 = tg.x0[t], ty0 = tg.y0[t], tx1 = tg.x1[t], ty1 = tg.y1[t];
        const float tarea = tg.area[t];
        float* o = out + t * outStride;
        // The cost of predictions q .. q + kN - 1 against target t.
        const auto entry = [&](int q, int, const VF& z) STUDIO_INLINE_LAMBDA {
            const VF l1 = ((vabs(load<VF>(cx + q) - tcx) + vabs(load<VF>(cy + q) - tcy)) +
                           vabs(load<VF>(bw + q) - tw)) +
                          vabs(load<VF>(bh + q) - th);
            const VF a0 = load<VF>(x0 + q), b0 = load<VF>(y0 + q), a1 = load<VF>(x1 + q),
                     b1 = load<VF>(y1 + q);
            const VF iw = vmax(vmin(a1, splat<VF>(tx1)) - vmax(a0, splat<VF>(tx0)), z);
            const VF ih = vmax(vmin(b1, splat<VF>(ty1)) - vmax(b0, splat<VF>(ty0)), z);
            const VF inter = iw * ih;
            const VF uni = (load<VF>(area + q) + tarea) - inter;
            const VF iou = inter / uni;
            const VF ew = vmax(vmax(a1, splat<VF>(tx1)) - vmin(a0, splat<VF>(tx0)), z);
            const VF eh = vmax(vmax(b1, splat<VF>(ty1)) - vmin(b0, splat<VF>(ty0)), z);
            const VF encl = ew * eh;
            const VF giou = iou - (encl - uni) / encl;
            return (wb * l1 + wc * load<VF>(cls + q)) + wg * -giou;
        };
        // Row minimum over the real predictions (padding lanes read +inf): per lane the lowest
        // value, its column and how many columns reach it; `nonFinite` turns NaN on inf / NaN
        // (c - c is +0 for every finite c).
        VF low = splat<VF>(__builtin_inff()), nonFinite = zero;
        VI lowAt = VI{} - 1, lowCount = VI{}, col = iota;
        const auto track = [&](const VF& x, const VF& c) STUDIO_INLINE_LAMBDA {
            nonFinite = nonFinite + (c - c);
            const VI lt = x < low, eq = x == low;
            low = lt ? x : low;
            lowAt = lt ? col : lowAt;
            lowCount = lt ? VI{} + 1 : lowCount - eq;
        };
        // Whole vectors of real predictions, then the one with padding lanes (if any).
        const int whole = rows / kN * kN;
        int q = 0;
        for (; q < whole; q += kN, col += kN) {
            const VF c = entry(q, t, zero);
            storeFirst(o + q, c, outPad - q);
            if (rowMins)
                track(c, c);
        }
        if (q < pad) {
            const VF c = entry(q, t, zero);
            storeFirst(o + q, c, outPad - q);
            if (rowMins)
                track(col < rowsV ? c : splat<VF>(__builtin_inff()), c);
        }
        if (rowMins) {
            // Across the lanes: the lowest value, how many columns reach it (lanes at the lowest
            // hold >= 1 each, so with a count of 1 one lane holds it and the maximum of their
            // columns is its column) and whether any lane saw a non-finite entry.
            const auto minOf = [](auto a, auto b) STUDIO_INLINE_LAMBDA { return a < b ? a : b; };
            const auto maxOf = [](auto a, auto b) STUDIO_INLINE_LAMBDA { return a > b ? a : b; };
            const auto sumOf = [](auto a, auto b) STUDIO_INLINE_LAMBDA { return a + b; };
            const float best = reduceLanes(low, minOf);
            const VI atBest = low == best;
            const int count = reduceLanes(atBest ? lowCount : VI{}, sumOf);
            const int column = reduceLanes(atBest ? lowAt : VI{} - 1, maxOf);
            const bool allFinite = reduceLanes(VI(nonFinite != 0.0f), minOf) == 0;
            rowMins[t].value = best;
            rowMins[t].column = allFinite && count == 1 ? column : -1;
            rowMins[t].finite = allFinite;
        }
    }
}

// One instantiation per instruction set, picked once from the CPU's features.
#define STUDIO_KERNEL_ARGS                                                                     \
    const float *logits, const float *boxes, int rows, int numClasses, const FusedTargets &tg, \
        const MatchCostWeights &w, float *out, FusedScratch &s, std::ptrdiff_t outStride,     \
        LsapRowMin *rowMins
#define STUDIO_KERNEL_CALL logits, boxes, rows, numClasses, tg, w, out, s, outStride, rowMins
using Kernel = void (*)(STUDIO_KERNEL_ARGS);

void kernelBaseline(STUDIO_KERNEL_ARGS) {
    fusedCostImpl<V8f>(STUDIO_KERNEL_CALL);
}
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) void kernelAvx2(STUDIO_KERNEL_ARGS) {
    fusedCostImpl<V8f>(STUDIO_KERNEL_CALL);
}
__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl"))) void kernelAvx512(
    STUDIO_KERNEL_ARGS) {
    fusedCostImpl<V16f>(STUDIO_KERNEL_CALL);
}
#endif

// The kernel for an instruction set ("avx512", "avx2", "baseline"; "" = the best this CPU has), or
// null when the CPU lacks it.
Kernel kernelFor(const std::string& isa) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    const bool avx2 = __builtin_cpu_supports("avx2");
    if (isa == "avx512")
        return avx512 ? kernelAvx512 : nullptr;
    if (isa == "avx2")
        return avx2 ? kernelAvx2 : nullptr;
    if (isa.empty())
        return avx512 ? kernelAvx512 : avx2 ? kernelAvx2 : kernelBaseline;
#endif
    return isa.empty() || isa == "baseline" ? kernelBaseline : nullptr;
}

Kernel bestKernel() {
    static const Kernel kernel = kernelFor("");
    return kernel;
}

void checkStride(int rows, std::ptrdiff_t outStride) {
    if (outStride < padded(rows))
        throw std::invalid_argument("fusedCostBlock: output row stride " +
                                    std::to_string(outStride) + " is below fusedRowStride(" +
                                    std::to_string(rows) + ")");
}

}  // namespace

FusedTargets::FusedTargets(const float* boxes, const std::int64_t* labels, int n) : count(n) {
    for (auto* v : {&cx, &cy, &w, &h, &x0, &y0, &x1, &y1, &area})
        v->resize(n);
    classSlot.resize(n);
    for (int t = 0; t < n; ++t) {
        const float* b = boxes + 4 * t;
        cx[t] = b[0];
        cy[t] = b[1];
        w[t] = b[2];
        h[t] = b[3];
        const float halfW = 0.5f * std::max(b[2], 0.0f), halfH = 0.5f * std::max(b[3], 0.0f);
        x0[t] = b[0] - halfW;
        y0[t] = b[1] - halfH;
        x1[t] = b[0] + halfW;
        y1[t] = b[1] + halfH;
        area[t] = (x1[t] - x0[t]) * (y1[t] - y0[t]);
        const auto it = std::find(classes.begin(), classes.end(), labels[t]);
        classSlot[t] = static_cast<int>(it - classes.begin());
        if (it == classes.end())
            classes.push_back(labels[t]);
    }
}

int fusedRowStride(int rows) {
    return padded(rows);
}

const char* fusedKernelIsa() {
#if defined(__x86_64__) && defined(__GNUC__)
    if (bestKernel() == kernelAvx512)
        return "avx512";
    if (bestKernel() == kernelAvx2)
        return "avx2";
#endif
    return "baseline";
}

void fusedCostBlock(const float* logits, const float* boxes, int rows, int numClasses,
                    const FusedTargets& targets, const MatchCostWeights& w, float* out,
                    std::ptrdiff_t outStride, FusedScratch& scratch, LsapRowMin* rowMins) {
    checkStride(rows, outStride);
    bestKernel()(logits, boxes, rows, numClasses, targets, w, out, scratch, outStride, rowMins);
}

bool fusedCostBlockOn(const std::string& isa, const float* logits, const float* boxes, int rows,
                      int numClasses, const FusedTargets& targets, const MatchCostWeights& w,
                      float* out, std::ptrdiff_t outStride, FusedScratch& scratch,
                      LsapRowMin* rowMins) {
    const Kernel kernel = kernelFor(isa);
    if (!kernel)
        return false;
    checkStride(rows, outStride);
    kernel(logits, boxes, rows, numClasses, targets, w, out, scratch, outStride, rowMins);
    return true;
}

namespace {
// Element-wise helpers over arrays (used by tests): eight at a time, the tail padded with `fill`.
enum class Op { Exp, Log1p, ClassCost };

void mapArray(Op op, const float* x, int count, float* out, float alpha = 0, float gamma = 0) {
    constexpr int kLanes = 8;
    for (int i = 0; i < count; i += kLanes) {
        V8f v = splat<V8f>(0.0f);
        for (int k = 0; k < kLanes && i + k < count; ++k)
            v[k] = x[i + k];
        const V8f r = op == Op::Exp     ? expNonPositive(v)
                      : op == Op::Log1p ? log1pUnit(v)
                                        : classCost(v, alpha, gamma);
        for (int k = 0; k < kLanes && i + k < count; ++k)
            out[i + k] = r[k];
    }
}
}  // namespace

void fusedClassCost(const float* logits, int count, float alpha, float gamma, float* out) {
    mapArray(Op::ClassCost, logits, count, out, alpha, gamma);
}

void fusedExpNonPositive(const float* x, int count, float* out) {
    mapArray(Op::Exp, x, count, out);
}

void fusedLog1pUnit(const float* x, int count, float* out) {
    mapArray(Op::Log1p, x, count, out);
}

}  // namespace studio::train
