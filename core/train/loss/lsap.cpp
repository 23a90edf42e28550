#include "train/loss/lsap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace studio::train {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

LsapStatus LsapSolver::solve(const float* cost, int rows, int cols, std::ptrdiff_t rowStride,
                             LsapResult& out) {
    return solveImpl(cost, rows, cols, rowStride, out);
}

LsapStatus LsapSolver::solve(const double* cost, int rows, int cols, std::ptrdiff_t rowStride,
                             LsapResult& out) {
    return solveImpl(cost, rows, cols, rowStride, out);
}

// One Dijkstra-like search from the free row `curRow` over reduced costs cost - u - v. Rows are scanned in
// the order the search reaches them; among columns with equal distance a free column wins, otherwise the
// first one found in the `remaining` order (which starts reversed and is compacted by swap-with-last) —
// the tie-breaking that makes the result identical to scipy's. Returns the free column reached (the
// sink) or -1 when only +inf entries remain (infeasible); minVal receives its distance.
int LsapSolver::augmentingPath(int curRow, double& minVal) {
    const int nc = m_nc;
    minVal = 0;
    int numRemaining = nc;
    for (int it = 0; it < nc; ++it) m_remaining[it] = nc - it - 1;
    std::fill(m_shortest.begin(), m_shortest.end(), kInf);
    m_visitedRows.clear();
    m_visitedCols.clear();

    int i = curRow;
    for (;;) {
        m_visitedRows.push_back(i);
        const double* row = m_cost.data() + static_cast<std::size_t>(i) * nc;
        const double base = minVal - m_u[i];
        int bestIt = -1;
        double lowest = kInf;
        for (int it = 0; it < numRemaining; ++it) {
            const int j = m_remaining[it];
            const double r = base + row[j] - m_v[j];
            if (r < m_shortest[j]) {
                m_path[j] = i;
                m_shortest[j] = r;
            }
            const double d = m_shortest[j];
            if (d < lowest || (d == lowest && m_row4col[j] == -1)) {
                lowest = d;
                bestIt = it;
            }
        }
        minVal = lowest;
        if (minVal == kInf) return -1;
        const int j = m_remaining[bestIt];
        m_visitedCols.push_back(j);
        m_remaining[bestIt] = m_remaining[--numRemaining];
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
    if (rows <= 0 || cols <= 0) return LsapStatus::Ok;

    // Work on a matrix with at most as many rows as columns.
    const bool transpose = cols < rows;
    m_nr = transpose ? cols : rows;
    m_nc = transpose ? rows : cols;
    const int nr = m_nr, nc = m_nc;
    m_cost.resize(static_cast<std::size_t>(nr) * nc);
    for (int r = 0; r < rows; ++r) {
        const T* src = cost + r * rowStride;
        for (int c = 0; c < cols; ++c) {
            const double x = static_cast<double>(src[c]);
            if (std::isnan(x) || x == -kInf) return LsapStatus::InvalidEntry;
            const std::size_t at = transpose ? static_cast<std::size_t>(c) * nc + r
                                             : static_cast<std::size_t>(r) * nc + c;
            m_cost[at] = x;
        }
    }

    m_u.assign(nr, 0.0);
    m_v.assign(nc, 0.0);
    m_shortest.assign(nc, kInf);
    m_path.assign(nc, -1);
    m_col4row.assign(nr, -1);
    m_row4col.assign(nc, -1);
    m_remaining.assign(nc, 0);
    m_visitedRows.reserve(nr);
    m_visitedCols.reserve(nc);

    for (int curRow = 0; curRow < nr; ++curRow) {
        double minVal = 0;
        const int sink = augmentingPath(curRow, minVal);
        if (sink < 0) return LsapStatus::Infeasible;
        // Dual update over the rows and columns the search reached.
        m_u[curRow] += minVal;
        for (int i : m_visitedRows) {
            if (i != curRow) m_u[i] += minVal - m_shortest[m_col4row[i]];
        }
        for (int j : m_visitedCols) m_v[j] -= minVal - m_shortest[j];
        // Augment along the path back to curRow.
        for (int j = sink;;) {
            const int i = m_path[j];
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
        std::sort(order.begin(), order.end(),
                  [&](int a, int b) { return m_col4row[a] < m_col4row[b]; });
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
    for (int k = 0; k < nr; ++k)
        total += static_cast<double>(cost[out.rowInd[k] * rowStride + out.colInd[k]]);
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
