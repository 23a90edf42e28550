#include "train/loss/lsap.h"

#include <algorithm>
#include <cmath>
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
constexpr int kLanes = 4;
constexpr int kPadTo = 2 * kLanes;  // working rows are padded to this many columns

// GCC/Clang vector extensions: four doubles per operation. Every lane performs the same IEEE
// operations a scalar loop would, so results are bit-identical to scalar code (no FMA: the AVX2
// clone excludes it).
typedef double V4d __attribute__((vector_size(32)));
typedef float V4f __attribute__((vector_size(16)));
typedef std::int64_t V4i __attribute__((vector_size(32)));
typedef double V4dMem __attribute__((vector_size(32), aligned(8), may_alias));
typedef float V4fMem __attribute__((vector_size(16), aligned(4), may_alias));
typedef std::int64_t V4iMem __attribute__((vector_size(32), aligned(8), may_alias));

STUDIO_INLINE V4d load(const double* p) {
    return *reinterpret_cast<const V4dMem*>(p);
}
STUDIO_INLINE V4d load(const float* p) {
    return __builtin_convertvector(*reinterpret_cast<const V4fMem*>(p), V4d);
}
STUDIO_INLINE V4i load(const std::int64_t* p) {
    return *reinterpret_cast<const V4iMem*>(p);
}
STUDIO_INLINE void store(double* p, const V4d& x) {
    *reinterpret_cast<V4dMem*>(p) = x;
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
struct LaneState {
    V4d low;
    V4i index, count, bad, inf;
};

// Closed columns (already settled by the search, and the padding) hold NaN in `shortest`: NaN fails
// every comparison, so they are neither improved nor candidates, without a separate mask. The first
// step of a search (kFirst) starts from nothing: every column gets its reduced cost (the padding of
// the working rows is NaN, so it stays closed), which also spares resetting `shortest`.
template <bool kFirst, bool kCheck>
STUDIO_INLINE void relaxBlock(const double* row, int j, const V4i& lane, const V4i& ncV,
                              const double* v, double* shortest, const V4d& minV, const V4d& uiV,
                              const V4d& infV, const V4i& one, LaneState& st) {
    const V4d c = load(row + j);
    const V4d r = ((minV + c) - uiV) - load(v + j);
    V4d s = r;
    if (kFirst) {  // each row's first scan reads all of it: check its entries (not the NaN padding)
        if (kCheck) {  // unless its producer vouched for them (LsapRowMin::finite)
            const V4i real = lane < ncV;
            st.bad |= ((c != c) | (c == -infV)) & real;
            st.inf |= (c == infV) & real;
        }
    } else {
        const V4d old = load(shortest + j);
        s = r < old ? r : old;
    }
    store(shortest + j, s);
    const V4i lt = s < st.low, eq = s == st.low;
    st.low = lt ? s : st.low;
    st.index = lt ? lane : st.index;
    st.count = lt ? one : st.count - eq;
}

// Relaxes the open columns from one row of the search: reduced cost ((minVal + c) - u_i) - v_j in
// scipy's evaluation order. Tracks the lowest open distance, one column reaching it and the number
// of such columns in two independent lane sets (short compare-and-blend chains), then across lanes.
// `pad` is a multiple of 8; padded columns are closed.
template <bool kFirst, bool kCheck = kFirst>
STUDIO_INLINE RowScan relaxRowImpl(const double* row, int nc, int pad, const double* v,
                                   double* shortest, double minVal, double ui) {
    const V4d zero = {0, 0, 0, 0};
    const V4d minV = zero + minVal, uiV = zero + ui, infV = zero + kInf;
    const V4i none = {0, 0, 0, 0}, one = none + 1, eight = none + 2 * kLanes, ncV = none + nc;
    LaneState a{zero + kInf, none - 1, none, none, none}, b = a;
    V4i laneA = {0, 1, 2, 3}, laneB = laneA + kLanes;
    for (int j = 0; j < pad; j += 2 * kLanes, laneA += eight, laneB += eight) {
        relaxBlock<kFirst, kCheck>(row, j, laneA, ncV, v, shortest, minV, uiV, infV, one, a);
        relaxBlock<kFirst, kCheck>(row, j + kLanes, laneB, ncV, v, shortest, minV, uiV, infV, one,
                                   b);
    }
    // Across the lanes: the two lane sets merged lane by lane first (lows are never NaN), then one
    // pass over four lanes (half the scalar work of reducing each set). Counts are >= 1 in lanes
    // holding a finite low, so with a single tie the candidate is the one lane at the lowest.
    const V4d low = a.low < b.low ? a.low : b.low;
    RowScan scan;
    for (int k = 0; k < kLanes; ++k)
        scan.lowest = low[k] < scan.lowest ? low[k] : scan.lowest;
    const V4d lowestV = zero + scan.lowest;
    const V4i eqA = a.low == lowestV, eqB = b.low == lowestV;
    const V4i ties = (eqA & a.count) + (eqB & b.count);
    const V4i candidate = (eqA & a.index) | (eqB & b.index) | ~(eqA | eqB);  // -1: none here
    const V4i bad = a.bad | b.bad, inf = a.inf | b.inf;
    std::int64_t tieSum = 0, best = -1, anyBad = 0, anyInf = 0;
    for (int k = 0; k < kLanes; ++k) {
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

STUDIO_SIMD_CLONES
RowScan relaxFirstRow(const double* row, int nc, int pad, const double* v, double* shortest,
                      double ui) {
    return relaxRowImpl<true>(row, nc, pad, v, shortest, 0.0, ui);
}

// The first scan of a row known to be all finite: no entry checks.
STUDIO_SIMD_CLONES
RowScan relaxFirstFiniteRow(const double* row, int nc, int pad, const double* v, double* shortest,
                            double ui) {
    return relaxRowImpl<true, false>(row, nc, pad, v, shortest, 0.0, ui);
}

STUDIO_SIMD_CLONES
RowScan relaxRow(const double* row, int nc, int pad, const double* v, double* shortest,
                 double minVal, double ui) {
    return relaxRowImpl<false>(row, nc, pad, v, shortest, minVal, ui);
}

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
int LsapSolver::augmentingPath(int curRow, double& minVal) {
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
        const double* row = m_work.data() + static_cast<std::size_t>(i) * m_pad;
        const bool first = m_visitedRows.size() == 1;
        const RowScan scan =
            !first ? relaxRow(row, m_nc, m_pad, m_v.data(), m_shortest.data(), minVal, m_u[i])
            : m_rowMins && m_rowMins[i].finite
                ? relaxFirstFiniteRow(row, m_nc, m_pad, m_v.data(), m_shortest.data(), m_u[i])
                : relaxFirstRow(row, m_nc, m_pad, m_v.data(), m_shortest.data(), m_u[i]);
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
int LsapSolver::parentOf(int j) const {
    const auto settledAt = static_cast<std::size_t>(
        std::find(m_visitedCols.begin(), m_visitedCols.end(), j) - m_visitedCols.begin());
    double best = kInf;
    int parent = -1;
    for (std::size_t k = 0; k <= settledAt; ++k) {
        const int i = m_visitedRows[k];
        const double r =
            ((m_stepMin[k] + m_work[static_cast<std::size_t>(i) * m_pad + j]) - m_u[i]) - m_v[j];
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
    m_work.resize(static_cast<std::size_t>(rows) * m_pad);
}

int LsapSolver::workStride(int cols) {
    return (cols + kPadTo - 1) / kPadTo * kPadTo;
}

double* LsapSolver::prepare(int rows, int cols) {
    setShape(rows, cols);
    return m_work.data();
}

LsapStatus LsapSolver::solvePrepared(LsapResult& out, const LsapRowMin* rowMins) {
    out.rowInd.clear();
    out.colInd.clear();
    out.totalCost = 0;
    out.finiteInput = true;
    if (m_nr <= 0 || m_nc <= 0)
        return LsapStatus::Ok;
    for (int r = 0; r < m_nr; ++r)  // padded columns stay closed
        std::fill(m_work.begin() + static_cast<std::ptrdiff_t>(r) * m_pad + m_nc,
                  m_work.begin() + static_cast<std::ptrdiff_t>(r + 1) * m_pad, kNaN);
    m_rowMins = rowMins;
    const LsapStatus status = run(out);
    m_rowMins = nullptr;
    return status;
}

// The shortest-augmenting-path iterations on the working matrix (m_nr <= m_nc). Fills out with rows
// 0..nr-1 and their columns.
LsapStatus LsapSolver::run(LsapResult& out) {
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
        const int sink = augmentingPath(curRow, minVal);
        if (sink < 0) {
            out.finiteInput = false;
            return sink == -2 ? LsapStatus::InvalidEntry : LsapStatus::Infeasible;
        }
        // The augmenting path back to curRow (before the duals change).
        m_path.clear();
        for (int j = sink;;) {
            const int i = parentOf(j);
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
        total += m_work[static_cast<std::size_t>(k) * pad + m_col4row[k]];
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
    const LsapStatus status = run(out);
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
