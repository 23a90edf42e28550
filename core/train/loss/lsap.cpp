#include "train/loss/lsap.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

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

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kLanes = 4;           // the copy helpers' vectors (copyRows)
constexpr int kPadTo = 16;          // working rows are padded to this many columns: two 8-lane sets

// GCC/Clang vector extensions: four (AVX2 / baseline) or eight (AVX-512) doubles per operation.
// Every lane performs the same IEEE operations a scalar loop would, so results are bit-identical to
// scalar code whatever the width (no FMA: the clones exclude it), and so are the row scans: their
// minimum, tie count and unique candidate do not depend on how columns are spread over lanes.
typedef double V4d __attribute__((vector_size(32)));
typedef float V4f __attribute__((vector_size(16)));
typedef std::int64_t V4i __attribute__((vector_size(32)));
typedef double V8d __attribute__((vector_size(64)));
typedef float V8f __attribute__((vector_size(32)));
typedef std::int64_t V8i __attribute__((vector_size(64)));

template <class VD>
struct Lanes;
template <>
struct Lanes<V4d> {
    using VI = V4i;
    using VF = V4f;
    static constexpr int n = 4;
};
template <>
struct Lanes<V8d> {
    using VI = V8i;
    using VF = V8f;
    static constexpr int n = 8;
};

template <class V, class T>
STUDIO_INLINE V loadAs(const T* p) {
    V x;
    std::memcpy(&x, p, sizeof x);
    return x;
}
template <class VD>
STUDIO_INLINE VD loadD(const double* p) {
    return loadAs<VD>(p);
}
template <class VD>
STUDIO_INLINE VD loadD(const float* p) {  // float32 entries, widened exactly
    return __builtin_convertvector(loadAs<typename Lanes<VD>::VF>(p), VD);
}
template <class V, class T>
STUDIO_INLINE void storeTo(T* p, const V& x) {
    std::memcpy(p, &x, sizeof x);
}
STUDIO_INLINE void store(double* p, const V4d& x) {
    storeTo(p, x);
}
template <class V>
STUDIO_INLINE V iotaV(std::int64_t from) {
    V x{};
    for (int k = 0; k < static_cast<int>(sizeof(V) / sizeof(x[0])); ++k)
        x[k] = from + k;
    return x;
}

// What relaxing one row found.
struct RowScan {
    double lowest = kInf;   // smallest distance among open columns
    int candidate = -1;     // a column at that distance
    long ties = 0;          // how many open columns are at that distance
    bool invalid = false;   // first scan only: the row has a NaN or -inf entry
    bool infinite = false;  // first scan only: the row has a +inf entry
};

// Per-lane state of a row relaxation: lowest open distance, the first column reaching it, how many
// do.
template <class VD>
struct LaneState {
    using VI = typename Lanes<VD>::VI;
    VD low;
    VI index, count, bad, inf;
};

// Closed columns (already settled by the search, and the padding) hold NaN in `shortest`: NaN fails
// every comparison, so they are neither improved nor candidates, without a separate mask. The first
// step of a search (kFirst) starts from nothing: every column gets its reduced cost (the padding of
// the working rows is NaN, so it stays closed), which also spares resetting `shortest`.
template <bool kFirst, bool kCheck, class VD, class W>
STUDIO_INLINE void relaxBlock(const W* row, int j, const typename Lanes<VD>::VI& lane,
                              const typename Lanes<VD>::VI& ncV, const double* v, double* shortest,
                              const VD& minV, const VD& uiV, const VD& infV,
                              const typename Lanes<VD>::VI& one, LaneState<VD>& st) {
    using VI = typename Lanes<VD>::VI;
    const VD c = loadD<VD>(row + j);
    const VD r = ((minV + c) - uiV) - loadD<VD>(v + j);
    VD s = r;
    if (kFirst) {  // each row's first scan reads all of it: check its entries (not the NaN padding)
        if (kCheck) {  // unless its producer vouched for them (LsapRowMin::finite)
            const VI real = lane < ncV;
            st.bad |= ~(c > -infV) & real;  // NaN or -inf: one ordered compare (c != c
                                            // would compile lane by lane on AVX-512)
            st.inf |= (c == infV) & real;
        }
    } else {
        const VD old = loadD<VD>(shortest + j);
        s = r < old ? r : old;
    }
    storeTo(shortest + j, s);
    const VI lt = s < st.low, eq = s == st.low;
    st.low = lt ? s : st.low;
    st.index = lt ? lane : st.index;
    st.count = lt ? one : st.count - eq;
}

// Relaxes the open columns from one row of the search: reduced cost ((minVal + c) - u_i) - v_j in
// scipy's evaluation order. Tracks the lowest open distance, one column reaching it and the number
// of such columns in two independent lane sets (short compare-and-blend chains), then across lanes.
// `pad` is a multiple of kPadTo; padded columns are closed.
template <bool kFirst, bool kCheck, class VD, class W>
STUDIO_INLINE RowScan relaxRowImpl(const W* row, int nc, int pad, const double* v,
                                   double* shortest, double minVal, double ui) {
    using VI = typename Lanes<VD>::VI;
    constexpr int kN = Lanes<VD>::n;
    const VD zero{};
    const VD minV = zero + minVal, uiV = zero + ui, infV = zero + kInf;
    const VI none{}, one = none + 1, step = none + 2 * kN, ncV = none + nc;
    LaneState<VD> a{zero + kInf, none - 1, none, none, none}, b = a;
    VI laneA = iotaV<VI>(0), laneB = laneA + kN;
    for (int j = 0; j < pad; j += 2 * kN, laneA += step, laneB += step) {
        relaxBlock<kFirst, kCheck>(row, j, laneA, ncV, v, shortest, minV, uiV, infV, one, a);
        relaxBlock<kFirst, kCheck>(row, j + kN, laneB, ncV, v, shortest, minV, uiV, infV, one, b);
    }
    // Across the lanes: the two lane sets merged lane by lane first (lows are never NaN), then one
    // pass over the lanes (half the scalar work of reducing each set). Counts are >= 1 in lanes
    // holding a finite low, so with a single tie the candidate is the one lane at the lowest.
    const VD low = a.low < b.low ? a.low : b.low;
    RowScan scan;
    for (int k = 0; k < kN; ++k)
        scan.lowest = low[k] < scan.lowest ? low[k] : scan.lowest;
    const VD lowestV = zero + scan.lowest;
    const VI eqA = a.low == lowestV, eqB = b.low == lowestV;
    const VI ties = (eqA & a.count) + (eqB & b.count);
    const VI candidate = (eqA & a.index) | (eqB & b.index) | ~(eqA | eqB);  // -1: none here
    const VI bad = a.bad | b.bad, inf = a.inf | b.inf;
    std::int64_t tieSum = 0, best = -1, anyBad = 0, anyInf = 0;
    for (int k = 0; k < kN; ++k) {
        tieSum += ties[k];
        best = candidate[k] > best ? candidate[k] : best;
        anyBad |= bad[k];
        anyInf |= inf[k];
    }
    scan.ties = static_cast<long>(tieSum);
    scan.candidate = static_cast<int>(best);
    scan.invalid = anyBad != 0;
    scan.infinite = anyInf != 0;
    return scan;
}

// The three scans of a search step, per working-matrix type and instruction set: the first scan of
// a row (entries checked), the first scan of a row known to be all finite (no checks), and a later
// scan (relaxing from a settled column).
#define STUDIO_RELAX_FUNCTIONS(ATTR, SUFFIX, VD, W)                                              \
    ATTR RowScan relaxFirstRow##SUFFIX(const W* row, int nc, int pad, const double* v,          \
                                       double* shortest, double ui) {                          \
        return relaxRowImpl<true, true, VD>(row, nc, pad, v, shortest, 0.0, ui);                \
    }                                                                                           \
    ATTR RowScan relaxFirstFiniteRow##SUFFIX(const W* row, int nc, int pad, const double* v,    \
                                             double* shortest, double ui) {                    \
        return relaxRowImpl<true, false, VD>(row, nc, pad, v, shortest, 0.0, ui);               \
    }                                                                                           \
    ATTR RowScan relaxRow##SUFFIX(const W* row, int nc, int pad, const double* v,               \
                                  double* shortest, double minVal, double ui) {                \
        return relaxRowImpl<false, false, VD>(row, nc, pad, v, shortest, minVal, ui);           \
    }

STUDIO_RELAX_FUNCTIONS(STUDIO_SIMD_CLONES, , V4d, double)
STUDIO_RELAX_FUNCTIONS(STUDIO_SIMD_CLONES, , V4d, float)
#if defined(__x86_64__) && defined(__GNUC__)
#define STUDIO_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl")))
STUDIO_RELAX_FUNCTIONS(STUDIO_AVX512, 512, V8d, double)
STUDIO_RELAX_FUNCTIONS(STUDIO_AVX512, 512, V8d, float)

// Eight-lane scans where the CPU has AVX-512 (F, DQ, VL), read once.
bool useAvx512() {
    static const bool yes = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl");
    }();
    return yes;
}
#else
bool useAvx512() {
    return false;
}
STUDIO_RELAX_FUNCTIONS(, 512, V4d, double)  // never called: the names exist on every platform
STUDIO_RELAX_FUNCTIONS(, 512, V4d, float)
#endif
#undef STUDIO_RELAX_FUNCTIONS

// Copies rows of the input into the padded double working matrix (NaN in the padding, which keeps
// padded columns closed), four entries at a time, flagging NaN / -inf (invalid) and any non-finite
// entry of the input.
template <class T>
STUDIO_INLINE void copyRowsImpl(const T* cost, int rows, int cols, std::ptrdiff_t rowStride,
                                double* dst, int pad, bool& invalid, bool& nonFinite) {
    const V4d zero = {0, 0, 0, 0}, infV = zero + kInf;
    V4i bad = {0, 0, 0, 0}, inf = bad;
    bool tailBad = false,
         tailInf = false;  // scalars: indexing the vectors would keep them in memory
    for (int r = 0; r < rows; ++r) {
        const T* src = cost + r * rowStride;
        double* out = dst + static_cast<std::size_t>(r) * pad;
        for (int c = 0; c < pad; c += kLanes) {
            if (c + kLanes <= cols) {
                const V4d x = {static_cast<double>(src[c]), static_cast<double>(src[c + 1]),
                               static_cast<double>(src[c + 2]), static_cast<double>(src[c + 3])};
                bad |= (x != x) | (x == -infV);
                inf |= x == infV;
                store(out + c, x);
            } else {
                for (int k = 0; k < kLanes; ++k) {
                    const double x = c + k < cols ? static_cast<double>(src[c + k]) : kNaN;
                    if (c + k < cols) {
                        tailBad |= std::isnan(x) || x == -kInf;
                        tailInf |= x == kInf;
                    }
                    out[c + k] = x;
                }
            }
        }
    }
    for (int k = 0; k < kLanes; ++k) {
        tailBad |= bad[k] != 0;
        tailInf |= inf[k] != 0;
    }
    invalid |= tailBad;
    nonFinite |= tailBad || tailInf;
}

STUDIO_SIMD_CLONES
void copyRows(const float* cost, int rows, int cols, std::ptrdiff_t rowStride, double* dst, int pad,
              bool& invalid, bool& nonFinite) {
    copyRowsImpl(cost, rows, cols, rowStride, dst, pad, invalid, nonFinite);
}

STUDIO_SIMD_CLONES
void copyRows(const double* cost, int rows, int cols, std::ptrdiff_t rowStride, double* dst,
              int pad, bool& invalid, bool& nonFinite) {
    copyRowsImpl(cost, rows, cols, rowStride, dst, pad, invalid, nonFinite);
}

}  // namespace

LsapSolver::LsapSolver() : m_wide(useAvx512()) {}

bool LsapSolver::setWideScans(bool wide) {
    if (wide && !useAvx512())
        return false;
    m_wide = wide;
    return true;
}

LsapStatus LsapSolver::solve(const float* cost, int rows, int cols, std::ptrdiff_t rowStride,
                             LsapResult& out) {
    return solveImpl(cost, rows, cols, rowStride, out);
}

LsapStatus LsapSolver::solve(const double* cost, int rows, int cols, std::ptrdiff_t rowStride,
                             LsapResult& out) {
    return solveImpl(cost, rows, cols, rowStride, out);
}

// Which open column at distance `lowest` the search settles next, when several are. scipy scans its
// `remaining` list (which starts reversed and is compacted by swap-with-last on every removal) and
// keeps the first minimum unless a later equal one is a free column: that selects the free tie
// latest in that order if there is one, else the earliest tie. The list order is reconstructed by
// replaying the removals of this search (ties are rare with real costs).
int LsapSolver::pickColumn(double lowest) const {
    m_ties.clear();
    for (int j = 0; j < m_nc; ++j)
        if (m_shortest[j] == lowest)  // closed columns hold NaN
            m_ties.push_back(j);
    if (m_ties.size() == 1)
        return m_ties[0];

    // Position p initially holds column nc-1-p; removing the column at p moves the last one there.
    std::vector<std::pair<int, int>> colAt,
        posOf;  // overrides (position -> column, column -> position)
    auto column = [&](int p) {
        for (auto it = colAt.rbegin(); it != colAt.rend(); ++it)
            if (it->first == p)
                return it->second;
        return m_nc - 1 - p;
    };
    auto position = [&](int j) {
        for (auto it = posOf.rbegin(); it != posOf.rend(); ++it)
            if (it->first == j)
                return it->second;
        return m_nc - 1 - j;
    };
    int remaining = m_nc;
    for (int removed : m_visitedCols) {
        const int p = position(removed), last = column(--remaining);
        colAt.emplace_back(p, last);
        posOf.emplace_back(last, p);
    }
    int first = -1, lastFree = -1, firstPos = 0, lastFreePos = 0;
    for (int j : m_ties) {
        const int p = position(j);
        if (first < 0 || p < firstPos) {
            first = j;
            firstPos = p;
        }
        if (m_row4col[j] == -1 && (lastFree < 0 || p > lastFreePos)) {
            lastFree = j;
            lastFreePos = p;
        }
    }
    return lastFree >= 0 ? lastFree : first;
}

// One Dijkstra-like search from the free row `curRow` over reduced costs (Crouse 2016 / scipy).
// Returns the free column reached (the sink), -1 when only +inf entries remain (infeasible) or -2
// on a NaN / -inf entry in curRow; minVal receives the sink's distance. Settled columns move their
// distance to m_settled.
template <class W>
int LsapSolver::augmentingPath(const W* work, int curRow, double& minVal) {
    minVal = 0;
    m_visitedRows.clear();
    m_visitedCols.clear();
    m_stepMin.clear();

    for (int i = curRow;;) {
        m_visitedRows.push_back(i);
        m_stepMin.push_back(minVal);
        // First step from a row whose unique, finite minimum lies in a free column: the reduced
        // costs ((0 + c) - u_i) - v_j are c_j (u_i is still 0 for a free row; a free column was
        // never settled except as a sink, which leaves v_j == 0) and no less elsewhere (v_j <= 0
        // while m_shortcut holds), so that column is the unique lowest and the sink.
        if (m_shortcut && i == curRow) {
            const LsapRowMin& hint = m_rowMins[i];
            const int j = hint.column;
            if (j >= 0 && m_row4col[j] == -1 && m_v[j] == 0.0) {
                minVal = hint.value;
                m_settled[j] = hint.value;
                m_visitedCols.push_back(j);
                return j;
            }
        }
        const W* row = work + static_cast<std::size_t>(i) * m_pad;
        const bool first = m_visitedRows.size() == 1;
        const bool wide = m_wide;
        double* shortest = m_shortest.data();
        const double* v = m_v.data();
        const RowScan scan =
            !first ? (wide ? relaxRow512(row, m_nc, m_pad, v, shortest, minVal, m_u[i])
                           : relaxRow(row, m_nc, m_pad, v, shortest, minVal, m_u[i]))
            : m_rowMins && m_rowMins[i].finite
                ? (wide ? relaxFirstFiniteRow512(row, m_nc, m_pad, v, shortest, m_u[i])
                        : relaxFirstFiniteRow(row, m_nc, m_pad, v, shortest, m_u[i]))
                : (wide ? relaxFirstRow512(row, m_nc, m_pad, v, shortest, m_u[i])
                        : relaxFirstRow(row, m_nc, m_pad, v, shortest, m_u[i]));
        m_invalid |= scan.invalid;
        m_infinite |= scan.infinite;
        if (scan.invalid)
            return -2;
        minVal = scan.lowest;
        if (scan.lowest == kInf)
            return -1;
        const int j = scan.ties == 1 ? scan.candidate : pickColumn(scan.lowest);
        m_settled[j] = m_shortest[j];
        m_shortest[j] = kNaN;
        m_visitedCols.push_back(j);
        if (m_row4col[j] == -1)
            return j;
        i = m_row4col[j];
    }
}

// The row that set column j's final distance in the last search: the search is replayed for column
// j alone (same expressions, same order, so the same comparisons) up to the step that settled it.
template <class W>
int LsapSolver::parentOf(const W* work, int j) const {
    const auto settledAt = static_cast<std::size_t>(
        std::find(m_visitedCols.begin(), m_visitedCols.end(), j) - m_visitedCols.begin());
    double best = kInf;
    int parent = -1;
    for (std::size_t k = 0; k <= settledAt; ++k) {
        const int i = m_visitedRows[k];
        const double r =
            ((m_stepMin[k] + static_cast<double>(work[static_cast<std::size_t>(i) * m_pad + j])) -
             m_u[i]) -
            m_v[j];
        if (r < best) {
            best = r;
            parent = i;
        }
    }
    return parent;
}

void LsapSolver::setShape(int rows, int cols) {
    m_nr = rows;
    m_nc = cols;
    m_pad = workStride(cols);
}

int LsapSolver::workStride(int cols) {
    return (cols + kPadTo - 1) / kPadTo * kPadTo;
}

float* LsapSolver::prepare(int rows, int cols) {
    setShape(rows, cols);
    m_workF.resize(static_cast<std::size_t>(rows) * m_pad);
    return m_workF.data();
}

LsapStatus LsapSolver::solvePrepared(LsapResult& out, const LsapRowMin* rowMins) {
    out.rowInd.clear();
    out.colInd.clear();
    out.totalCost = 0;
    out.finiteInput = true;
    if (m_nr <= 0 || m_nc <= 0)
        return LsapStatus::Ok;
    for (int r = 0; r < m_nr; ++r)  // padded columns stay closed
        std::fill(m_workF.begin() + static_cast<std::ptrdiff_t>(r) * m_pad + m_nc,
                  m_workF.begin() + static_cast<std::ptrdiff_t>(r + 1) * m_pad,
                  std::numeric_limits<float>::quiet_NaN());
    m_rowMins = rowMins;
    const LsapStatus status = run(m_workF.data(), out);
    m_rowMins = nullptr;
    return status;
}

// The shortest-augmenting-path iterations on the working matrix (m_nr <= m_nc). Fills out with rows
// 0..nr-1 and their columns.
template <class W>
LsapStatus LsapSolver::run(const W* work, LsapResult& out) {
    const int nr = m_nr, nc = m_nc, pad = m_pad;
    m_invalid = m_infinite = false;
    m_shortcut = m_rowMins != nullptr;
    m_u.assign(nr, 0.0);
    m_v.assign(pad, 0.0);
    // Neither needs clearing: every search's first step either ends at once (row-minimum shortcut)
    // or writes all of `shortest` (the padding as NaN), and columns are settled before their
    // entries in `settled` are read.
    m_shortest.resize(pad);
    m_settled.resize(nc);
    m_col4row.assign(nr, -1);
    m_row4col.assign(nc, -1);
    m_visitedRows.reserve(nr);
    m_visitedCols.reserve(nc);

    for (int curRow = 0; curRow < nr; ++curRow) {
        double minVal = 0;
        const int sink = augmentingPath(work, curRow, minVal);
        if (sink < 0) {
            out.finiteInput = false;
            return sink == -2 ? LsapStatus::InvalidEntry : LsapStatus::Infeasible;
        }
        // The augmenting path back to curRow (before the duals change).
        m_path.clear();
        for (int j = sink;;) {
            const int i = parentOf(work, j);
            m_path.emplace_back(i, j);
            if (i == curRow)
                break;
            j = m_col4row[i];
        }
        // Dual update over the rows and columns the search reached.
        m_u[curRow] += minVal;
        for (int i : m_visitedRows)
            if (i != curRow)
                m_u[i] += minVal - m_settled[m_col4row[i]];
        for (int j : m_visitedCols) {
            m_v[j] -= minVal - m_settled[j];
            // In exact arithmetic v only decreases; should rounding make one positive, the
            // shortcut's premise (reduced cost >= entry) no longer holds: full scans from here on.
            m_shortcut = m_shortcut && !(m_v[j] > 0.0);
        }
        // Augment.
        for (const auto& [i, j] : m_path) {
            m_row4col[j] = i;
            m_col4row[i] = j;
        }
    }
    out.finiteInput = !m_infinite;  // every row had its first, complete scan or a finite hint
    out.rowInd.resize(nr);
    out.colInd.resize(nr);
    double total = 0;
    for (int k = 0; k < nr; ++k) {
        out.rowInd[k] = k;
        out.colInd[k] = m_col4row[k];
        total += static_cast<double>(work[static_cast<std::size_t>(k) * pad + m_col4row[k]]);
    }
    out.totalCost = total;
    return LsapStatus::Ok;
}

template <class T>
LsapStatus LsapSolver::solveImpl(const T* cost, int rows, int cols, std::ptrdiff_t rowStride,
                                 LsapResult& out) {
    out.rowInd.clear();
    out.colInd.clear();
    out.totalCost = 0;
    out.finiteInput = true;
    if (rows <= 0 || cols <= 0)
        return LsapStatus::Ok;

    // Work on a matrix with at most as many rows as columns, as scipy does.
    const bool transpose = cols < rows;
    setShape(transpose ? cols : rows, transpose ? rows : cols);
    m_work.resize(static_cast<std::size_t>(m_nr) * m_pad);
    const int nr = m_nr, nc = m_nc;
    bool invalid = false, nonFinite = false;
    if (transpose) {
        m_transposed.resize(static_cast<std::size_t>(nr) * nc);
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c)
                m_transposed[static_cast<std::size_t>(c) * nc + r] =
                    static_cast<double>(cost[r * rowStride + c]);
        copyRows(m_transposed.data(), nr, nc, nc, m_work.data(), m_pad, invalid, nonFinite);
    } else {
        copyRows(cost, nr, nc, rowStride, m_work.data(), m_pad, invalid, nonFinite);
    }
    out.finiteInput = !nonFinite;
    // As scipy, NaN / -inf anywhere is reported before any solving.
    if (invalid)
        return LsapStatus::InvalidEntry;
    const LsapStatus status = run(m_work.data(), out);
    out.finiteInput = !nonFinite;
    if (status != LsapStatus::Ok || !transpose)
        return status;
    // Rows of the input are the working columns: list them ascending.
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs(nr);
    for (int k = 0; k < nr; ++k)
        pairs[k] = {out.colInd[k], out.rowInd[k]};
    std::sort(pairs.begin(), pairs.end());
    for (int k = 0; k < nr; ++k) {
        out.rowInd[k] = pairs[k].first;
        out.colInd[k] = pairs[k].second;
    }
    return status;
}

LsapStatus solveLinearSumAssignment(const std::vector<double>& cost, int rows, int cols,
                                    LsapResult& out) {
    LsapSolver solver;
    return solver.solve(cost.data(), rows, cols, cols, out);
}

const char* lsapStatusText(LsapStatus status) {
    switch (status) {
        case LsapStatus::Ok:
            return "ok";
        case LsapStatus::InvalidEntry:
            return "invalid entry (NaN or -inf)";
        case LsapStatus::Infeasible:
            return "infeasible (no assignment avoids the +inf entries)";
    }
    return "unknown";
}

}  // namespace studio::train
