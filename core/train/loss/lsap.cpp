#include "train/loss/lsap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

// The vector helpers are forced inline into the (target-cloned) kernels: their by-value vector ABI must
// never cross a call boundary, as it differs between the AVX2 and the baseline clone.
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
constexpr int kLanes = 4;
constexpr int kPadTo = 2 * kLanes;  // working rows are padded to this many columns

// GCC/Clang vector extensions: four doubles per operation. Every lane performs the same IEEE operations a
// scalar loop would, so results are bit-identical to scalar code (no FMA: the AVX2 clone excludes it).
typedef double V4d __attribute__((vector_size(32)));
typedef float V4f __attribute__((vector_size(16)));
typedef std::int64_t V4i __attribute__((vector_size(32)));
typedef double V4dMem __attribute__((vector_size(32), aligned(8), may_alias));
typedef float V4fMem __attribute__((vector_size(16), aligned(4), may_alias));
typedef std::int64_t V4iMem __attribute__((vector_size(32), aligned(8), may_alias));

STUDIO_INLINE V4d load(const double* p) { return *reinterpret_cast<const V4dMem*>(p); }
STUDIO_INLINE V4d load(const float* p) {
    return __builtin_convertvector(*reinterpret_cast<const V4fMem*>(p), V4d);
}
STUDIO_INLINE V4i load(const std::int64_t* p) { return *reinterpret_cast<const V4iMem*>(p); }
STUDIO_INLINE void store(double* p, const V4d& x) { *reinterpret_cast<V4dMem*>(p) = x; }

// What relaxing one row found.
struct RowScan {
    double lowest = kInf;  // smallest distance among open columns
    int candidate = -1;    // a column at that distance
    long ties = 0;         // how many open columns are at that distance
};

// Per-lane state of a row relaxation: lowest open distance, the first column reaching it, how many do.
struct LaneState {
    V4d low;
    V4i index, count;
};

STUDIO_INLINE void relaxBlock(const double* row, int j, const V4i& lane, const double* v, double* shortest,
                              double* step, const std::int64_t* open, const V4d& minV, const V4d& uiV,
                              const V4d& stepV, const V4d& infV, const V4i& one, LaneState& st) {
    const V4d r = ((minV + load(row + j)) - uiV) - load(v + j);
    const V4i isOpen = load(open + j);
    V4d s = load(shortest + j);
    const V4i better = (r < s) & isOpen;
    s = better ? r : s;
    store(shortest + j, s);
    store(step + j, better ? stepV : load(step + j));
    const V4d d = isOpen ? s : infV;
    const V4i lt = d < st.low, eq = d == st.low;
    st.low = lt ? d : st.low;
    st.index = lt ? lane : st.index;
    st.count = lt ? one : st.count - eq;
}

// Relaxes the open columns from one row of the search: reduced cost ((minVal + c) - u_i) - v_j in scipy's
// evaluation order; improved columns record `stepValue` as their parent. Tracks the lowest open distance,
// one column reaching it and the number of such columns in two independent lane sets (short
// compare-and-blend chains), then across lanes. `pad` is a multiple of 8; padded columns are closed.
STUDIO_SIMD_CLONES
RowScan relaxRow(const double* row, int pad, const double* v, double* shortest, double* step,
                 const std::int64_t* open, double minVal, double ui, double stepValue) {
    const V4d zero = {0, 0, 0, 0};
    const V4d minV = zero + minVal, uiV = zero + ui, stepV = zero + stepValue, infV = zero + kInf;
    const V4i none = {0, 0, 0, 0}, one = none + 1, eight = none + 2 * kLanes;
    LaneState a{infV, none - 1, none}, b = a;
    V4i laneA = {0, 1, 2, 3}, laneB = laneA + kLanes;
    for (int j = 0; j < pad; j += 2 * kLanes, laneA += eight, laneB += eight) {
        relaxBlock(row, j, laneA, v, shortest, step, open, minV, uiV, stepV, infV, one, a);
        relaxBlock(row, j + kLanes, laneB, v, shortest, step, open, minV, uiV, stepV, infV, one, b);
    }
    RowScan scan;
    for (const LaneState* st : {&a, &b})
        for (int k = 0; k < kLanes; ++k) scan.lowest = st->low[k] < scan.lowest ? st->low[k] : scan.lowest;
    for (const LaneState* st : {&a, &b}) {
        for (int k = 0; k < kLanes; ++k) {
            if (st->low[k] != scan.lowest) continue;
            scan.ties += st->count[k];
            scan.candidate = static_cast<int>(st->index[k]);
        }
    }
    return scan;
}

// Copies rows of the input into the padded double working matrix (zeros in the padding), four entries
// at a time, flagging NaN / -inf (invalid) and any non-finite entry.
template <class T>
STUDIO_INLINE void copyRowsImpl(const T* cost, int rows, int cols, std::ptrdiff_t rowStride, double* dst,
                                int pad, bool& invalid, bool& nonFinite) {
    const V4d zero = {0, 0, 0, 0}, infV = zero + kInf;
    V4i bad = {0, 0, 0, 0}, inf = bad;
    for (int r = 0; r < rows; ++r) {
        const T* src = cost + r * rowStride;
        double* out = dst + static_cast<std::size_t>(r) * pad;
        for (int c = 0; c < pad; c += kLanes) {
            V4d x = zero;
            if (c + kLanes <= cols) {
                x = V4d{static_cast<double>(src[c]), static_cast<double>(src[c + 1]), static_cast<double>(src[c + 2]),
                        static_cast<double>(src[c + 3])};
            } else {
                for (int k = 0; c + k < cols; ++k) x[k] = static_cast<double>(src[c + k]);
            }
            bad |= (x != x) | (x == -infV);
            inf |= x == infV;
            store(out + c, x);
        }
    }
    for (int k = 0; k < kLanes; ++k) {
        invalid |= bad[k] != 0;
        nonFinite |= bad[k] != 0 || inf[k] != 0;
    }
}

STUDIO_SIMD_CLONES
void copyRows(const float* cost, int rows, int cols, std::ptrdiff_t rowStride, double* dst, int pad, bool& invalid,
              bool& nonFinite) {
    copyRowsImpl(cost, rows, cols, rowStride, dst, pad, invalid, nonFinite);
}

STUDIO_SIMD_CLONES
void copyRows(const double* cost, int rows, int cols, std::ptrdiff_t rowStride, double* dst, int pad, bool& invalid,
              bool& nonFinite) {
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
// `remaining` list (which starts reversed and is compacted by swap-with-last on every removal) and keeps
// the first minimum unless a later equal one is a free column: that selects the free tie latest in that
// order if there is one, else the earliest tie. The list order is reconstructed by replaying the removals
// of this search (ties are rare with real costs).
int LsapSolver::pickColumn(double lowest) const {
    m_ties.clear();
    for (int j = 0; j < m_nc; ++j)
        if (m_shortest[j] == lowest && m_open[j]) m_ties.push_back(j);
    if (m_ties.size() == 1) return m_ties[0];

    // Position p initially holds column nc-1-p; removing the column at p moves the last one there.
    std::vector<std::pair<int, int>> colAt, posOf;  // overrides (position -> column, column -> position)
    auto column = [&](int p) {
        for (auto it = colAt.rbegin(); it != colAt.rend(); ++it)
            if (it->first == p) return it->second;
        return m_nc - 1 - p;
    };
    auto position = [&](int j) {
        for (auto it = posOf.rbegin(); it != posOf.rend(); ++it)
            if (it->first == j) return it->second;
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

// One Dijkstra-like search from the free row `curRow` over reduced costs (Crouse 2016 / scipy). Returns the
// free column reached (the sink), or -1 when only +inf entries remain (infeasible); minVal receives the
// sink's distance.
int LsapSolver::augmentingPath(int curRow, double& minVal) {
    minVal = 0;
    std::fill(m_shortest.begin(), m_shortest.end(), kInf);
    std::fill(m_open.begin(), m_open.begin() + m_nc, -1);
    m_visitedRows.clear();
    m_visitedCols.clear();

    for (int i = curRow;;) {
        const double stepValue = static_cast<double>(m_visitedRows.size());
        m_visitedRows.push_back(i);
        const RowScan scan = relaxRow(m_work.data() + static_cast<std::size_t>(i) * m_pad, m_pad, m_v.data(),
                                      m_shortest.data(), m_step.data(), m_open.data(), minVal, m_u[i], stepValue);
        minVal = scan.lowest;
        if (scan.lowest == kInf) return -1;
        const int j = scan.ties == 1 ? scan.candidate : pickColumn(scan.lowest);
        m_open[j] = 0;
        m_visitedCols.push_back(j);
        if (m_row4col[j] == -1) return j;
        i = m_row4col[j];
    }
}

template <class T>
LsapStatus LsapSolver::solveImpl(const T* cost, int rows, int cols, std::ptrdiff_t rowStride,
                                 LsapResult& out) {
    out.rowInd.clear();
    out.colInd.clear();
    out.totalCost = 0;
    out.finiteInput = true;
    if (rows <= 0 || cols <= 0) return LsapStatus::Ok;

    // Work on a matrix with at most as many rows as columns, as scipy does.
    const bool transpose = cols < rows;
    m_nr = transpose ? cols : rows;
    m_nc = transpose ? rows : cols;
    m_pad = (m_nc + kPadTo - 1) / kPadTo * kPadTo;
    const int nr = m_nr, nc = m_nc, pad = m_pad;
    m_work.resize(static_cast<std::size_t>(nr) * pad);
    bool invalid = false, nonFinite = false;
    if (transpose) {
        m_transposed.resize(static_cast<std::size_t>(nr) * nc);
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c)
                m_transposed[static_cast<std::size_t>(c) * nc + r] = static_cast<double>(cost[r * rowStride + c]);
        copyRows(m_transposed.data(), nr, nc, nc, m_work.data(), pad, invalid, nonFinite);
    } else {
        copyRows(cost, nr, nc, rowStride, m_work.data(), pad, invalid, nonFinite);
    }
    out.finiteInput = !nonFinite;
    if (invalid) return LsapStatus::InvalidEntry;
    m_u.assign(nr, 0.0);
    m_v.assign(pad, 0.0);
    m_shortest.assign(pad, kInf);
    m_step.assign(pad, 0.0);
    m_open.assign(pad, 0);
    m_col4row.assign(nr, -1);
    m_row4col.assign(nc, -1);
    m_visitedRows.reserve(nr);
    m_visitedCols.reserve(nc);

    for (int curRow = 0; curRow < nr; ++curRow) {
        double minVal = 0;
        const int sink = augmentingPath(curRow, minVal);
        if (sink < 0) return LsapStatus::Infeasible;
        // Dual update over the rows and columns the search reached.
        m_u[curRow] += minVal;
        for (int i : m_visitedRows)
            if (i != curRow) m_u[i] += minVal - m_shortest[m_col4row[i]];
        for (int j : m_visitedCols) m_v[j] -= minVal - m_shortest[j];
        // Augment along the parents back to curRow.
        for (int j = sink;;) {
            const int i = m_visitedRows[static_cast<std::size_t>(m_step[j])];
            m_row4col[j] = i;
            std::swap(m_col4row[i], j);
            if (i == curRow) break;
        }
    }

    out.rowInd.resize(nr);
    out.colInd.resize(nr);
    if (transpose) {
        // Rows of the input are the working columns: list them ascending.
        std::vector<int> order(nr);
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](int a, int b) { return m_col4row[a] < m_col4row[b]; });
        for (int k = 0; k < nr; ++k) {
            out.rowInd[k] = m_col4row[order[k]];
            out.colInd[k] = order[k];
        }
    } else {
        for (int k = 0; k < nr; ++k) {
            out.rowInd[k] = k;
            out.colInd[k] = m_col4row[k];
        }
    }
    double total = 0;
    for (int k = 0; k < nr; ++k) total += static_cast<double>(cost[out.rowInd[k] * rowStride + out.colInd[k]]);
    out.totalCost = total;
    return LsapStatus::Ok;
}

LsapStatus solveLinearSumAssignment(const std::vector<double>& cost, int rows, int cols, LsapResult& out) {
    LsapSolver solver;
    return solver.solve(cost.data(), rows, cols, cols, out);
}

const char* lsapStatusText(LsapStatus status) {
    switch (status) {
        case LsapStatus::Ok: return "ok";
        case LsapStatus::InvalidEntry: return "invalid entry (NaN or -inf)";
        case LsapStatus::Infeasible: return "infeasible (no assignment avoids the +inf entries)";
    }
    return "unknown";
}

}  // namespace studio::train
