#include "train/loss/fused_match_cost.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

// The vector helpers are forced inline into the (target-cloned) kernels: their by-value vector ABI
// must never cross a call boundary, as it differs between the AVX2 and the baseline clone.
#pragma GCC diagnostic ignored "-Wpsabi"
#define STUDIO_INLINE inline __attribute__((always_inline))

#if defined(__x86_64__) && defined(__GNUC__)
#define STUDIO_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define STUDIO_SIMD_CLONES
#endif

namespace studio::train {
namespace {

constexpr int kLanes = 8;
typedef float V8f __attribute__((vector_size(32)));
typedef std::int32_t V8i __attribute__((vector_size(32)));
typedef float V8fMem __attribute__((vector_size(32), aligned(4), may_alias));
typedef double V8d __attribute__((vector_size(64)));
typedef double V4d __attribute__((vector_size(32)));
typedef double V4dMem __attribute__((vector_size(32), aligned(8), may_alias));

STUDIO_INLINE V8f load(const float* p) {
    return *reinterpret_cast<const V8fMem*>(p);
}
// One 8-lane conversion stored as two halves: a 64-byte store would go through memory on AVX2.
STUDIO_INLINE void storeAsDouble(double* p, const V8f& x) {
    const V8d d = __builtin_convertvector(x, V8d);
    *reinterpret_cast<V4dMem*>(p) = __builtin_shufflevector(d, d, 0, 1, 2, 3);
    *reinterpret_cast<V4dMem*>(p + 4) = __builtin_shufflevector(d, d, 4, 5, 6, 7);
}
STUDIO_INLINE void store(float* p, const V8f& x) {
    *reinterpret_cast<V8fMem*>(p) = x;
}
STUDIO_INLINE V8f splat(float x) {
    return V8f{} + x;
}
STUDIO_INLINE V8f vmax(const V8f& a, const V8f& b) {
    return a > b ? a : b;
}
STUDIO_INLINE V8f vmin(const V8f& a, const V8f& b) {
    return a < b ? a : b;
}
STUDIO_INLINE V8f vabs(const V8f& a) {
    return (V8f)((V8i)a & 0x7fffffff);
}  // fabs: clear the sign bit

// exp(x) for x <= 0 (Cephes expf: x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial, scale by 2^n).
// Below -87.3 (exp < FLT_MIN) it returns FLT_MIN instead of a denormal.
STUDIO_INLINE V8f expNonPositive(const V8f& in) {
    const V8f x = vmax(in, splat(-87.33654f));
    const V8i n = -__builtin_convertvector(0.5f - x * 1.44269504088896341f, V8i);  // round(x / ln2)
    const V8f nf = __builtin_convertvector(n, V8f);
    const V8f r = (x - nf * 0.693359375f) - nf * -2.12194440e-4f;
    V8f y = splat(1.9875691500e-4f);
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * (r * r) + r + 1.0f;
    V8i bits = (n + 127) << 23;
    V8f scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return y * scale;
}

// log(u) for 1 <= u <= 2 by the Cephes logf polynomial on [sqrt(1/2), sqrt(2)).
STUDIO_INLINE V8f logOneToTwo(const V8f& u) {
    const V8i big = u > 1.41421356237f;
    const V8f m = big ? u * 0.5f : u;
    const V8f k = big ? splat(1.0f) : splat(0.0f);
    const V8f x = m - 1.0f;
    const V8f z = x * x;
    V8f y = splat(7.0376836292e-2f);
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
STUDIO_INLINE V8f log1pUnit(const V8f& e, const V8f& u, const V8f& invU) {
    return logOneToTwo(u) + (e - (u - 1.0f)) * invU;
}

STUDIO_INLINE V8f log1pUnit(const V8f& e) {
    const V8f u = 1.0f + e;
    return log1pUnit(e, u, 1.0f / u);
}

// Class cost of eight logits: alpha (1-p)^gamma (-logsigmoid x) - (1-alpha) p^gamma (-logsigmoid
// -x), with one exp, one log and one division: e = exp(-|x|), p = 1/(1+e) or e/(1+e), log1p(e)
// shared by both.
STUDIO_INLINE V8f classCost(const V8f& x, float alpha, float gamma) {
    const V8f e = expNonPositive(-vabs(x));
    const V8f u = 1.0f + e;
    const V8f inv = 1.0f / u;
    const V8f p = x >= 0.0f ? inv : e * inv;
    const V8f soft = log1pUnit(e, u, inv);
    const V8f logSigPos = vmin(x, splat(0.0f)) - soft;
    const V8f logSigNeg = vmin(-x, splat(0.0f)) - soft;
    const V8f q = 1.0f - p;
    V8f pg = p * p, qg = q * q;
    if (gamma != 2.0f) {
        for (int i = 0; i < kLanes; ++i) {
            pg[i] = std::pow(p[i], gamma);
            qg[i] = std::pow(q[i], gamma);
        }
    }
    const V8f neg = ((1.0f - alpha) * pg) * -logSigNeg;
    const V8f pos = (alpha * qg) * -logSigPos;
    return pos - neg;
}

int padded(int n) {
    return (n + kLanes - 1) / kLanes * kLanes;
}

// The kernel body, compiled for AVX2 and for the baseline ISA (chosen at load time).

STUDIO_SIMD_CLONES
void fusedCostKernel(const float* logits, const float* boxes, int rows, int numClasses,
                     const FusedTargets& tg, const MatchCostWeights& w, double* out,
                     std::ptrdiff_t outStride, FusedScratch& s, LsapRowMin* rowMins) {
    const int pad = padded(rows);
    const int nc = static_cast<int>(tg.classes.size());
    const float alpha = static_cast<float>(w.focalAlpha), gamma = static_cast<float>(w.focalGamma);
    // Predictions as structure of arrays: cx, cy, w, h, x0, y0, x1, y1, area (padding: a unit box).
    s.pred.resize(static_cast<std::size_t>(9) * pad);
    float* cx = s.pred.data();
    float *cy = cx + pad, *bw = cy + pad, *bh = bw + pad;
    float *x0 = bh + pad, *y0 = x0 + pad, *x1 = y0 + pad, *y1 = x1 + pad, *area = y1 + pad;
    for (int q = 0; q < rows; ++q) {
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
    for (int q = 0; q < pad; q += kLanes) {
        const V8f c = load(cx + q), d = load(cy + q);
        const V8f hw = 0.5f * vmax(load(bw + q), splat(0.0f)),
                  hh = 0.5f * vmax(load(bh + q), splat(0.0f));
        const V8f a0 = c - hw, b0 = d - hh, a1 = c + hw, b1 = d + hh;
        store(x0 + q, a0);
        store(y0 + q, b0);
        store(x1 + q, a1);
        store(y1 + q, b1);
        store(area + q, (a1 - a0) * (b1 - b0));
    }
    // Class cost per distinct class of the image.
    s.classCost.resize(static_cast<std::size_t>(nc) * pad);
    for (int c = 0; c < nc; ++c) {
        float* row = s.classCost.data() + static_cast<std::size_t>(c) * pad;
        const std::int64_t label = tg.classes[c];
        const float* x = logits + label;
        for (int q = 0; q < rows; ++q)
            row[q] = x[static_cast<std::ptrdiff_t>(q) * numClasses];
        for (int q = rows; q < pad; ++q)
            row[q] = 0.0f;
        for (int q = 0; q < pad; q += kLanes)
            store(row + q, classCost(load(row + q), alpha, gamma));
    }
    const float wb = static_cast<float>(w.bboxWeight), wc = static_cast<float>(w.classWeight);
    const float wg = static_cast<float>(w.giouWeight);
    for (int t = 0; t < tg.count; ++t) {
        const float* cls = s.classCost.data() + static_cast<std::size_t>(tg.classSlot[t]) * pad;
        const float tcx = tg.cx[t], tcy = tg.cy[t], tw = tg.w[t], th = tg.h[t];
        const float tx0 = tg.x0[t], ty0 = tg.y0[t], tx1 = tg.x1[t], ty1 = tg.y1[t];
        const float tarea = tg.area[t];
        double* o = out + t * outStride;
        // Row minimum over the real predictions (padding lanes read +inf): per lane the lowest
        // value, its column and how many columns reach it; `finite` clears on inf / NaN.
        const V8i iota = {0, 1, 2, 3, 4, 5, 6, 7};
        const V8i rowsV = V8i{} + rows;
        V8f low = splat(__builtin_inff());
        V8i lowAt = V8i{} - 1, lowCount = V8i{}, finite = V8i{} - 1;
        for (int q = 0; q < pad; q += kLanes) {
            const V8f l1 =
                ((vabs(load(cx + q) - tcx) + vabs(load(cy + q) - tcy)) + vabs(load(bw + q) - tw)) +
                vabs(load(bh + q) - th);
            const V8f a0 = load(x0 + q), b0 = load(y0 + q), a1 = load(x1 + q), b1 = load(y1 + q);
            const V8f iw = vmax(vmin(a1, splat(tx1)) - vmax(a0, splat(tx0)), splat(0.0f));
            const V8f ih = vmax(vmin(b1, splat(ty1)) - vmax(b0, splat(ty0)), splat(0.0f));
            const V8f inter = iw * ih;
            const V8f uni = (load(area + q) + tarea) - inter;
            const V8f iou = inter / uni;
            const V8f ew = vmax(vmax(a1, splat(tx1)) - vmin(a0, splat(tx0)), splat(0.0f));
            const V8f eh = vmax(vmax(b1, splat(ty1)) - vmin(b0, splat(ty0)), splat(0.0f));
            const V8f encl = ew * eh;
            const V8f giou = iou - (encl - uni) / encl;
            const V8f c = (wb * l1 + wc * load(cls + q)) + wg * -giou;
            storeAsDouble(o + q, c);
            if (rowMins) {
                const V8i col = iota + q;
                const V8f x = col < rowsV ? c : splat(__builtin_inff());
                finite &= vabs(c) <= splat(__FLT_MAX__);
                const V8i lt = x < low, eq = x == low;
                low = lt ? x : low;
                lowAt = lt ? col : lowAt;
                lowCount = lt ? V8i{} + 1 : lowCount - eq;
            }
        }
        if (rowMins) {
            float best = low[0];
            bool allFinite = true;
            for (int k = 0; k < kLanes; ++k) {
                best = low[k] < best ? low[k] : best;
                allFinite = allFinite && finite[k] != 0;
            }
            int count = 0, column = -1;
            for (int k = 0; k < kLanes; ++k) {
                if (low[k] == best) {
                    count += lowCount[k];
                    column = lowAt[k];
                }
            }
            rowMins[t].value = best;
            rowMins[t].column = allFinite && count == 1 ? column : -1;
        }
    }
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

void fusedCostBlock(const float* logits, const float* boxes, int rows, int numClasses,
                    const FusedTargets& targets, const MatchCostWeights& w, double* out,
                    std::ptrdiff_t outStride, FusedScratch& scratch, LsapRowMin* rowMins) {
    if (outStride < padded(rows))
        throw std::invalid_argument("fusedCostBlock: output row stride " +
                                    std::to_string(outStride) + " is below fusedRowStride(" +
                                    std::to_string(rows) + ")");
    fusedCostKernel(logits, boxes, rows, numClasses, targets, w, out, outStride, scratch, rowMins);
}

namespace {
// Element-wise helpers over arrays (used by tests): eight at a time, the tail padded with `fill`.
enum class Op { Exp, Log1p, ClassCost };

void mapArray(Op op, const float* x, int count, float* out, float alpha = 0, float gamma = 0) {
    for (int i = 0; i < count; i += kLanes) {
        V8f v = splat(0.0f);
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
