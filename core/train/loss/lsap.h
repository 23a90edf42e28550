#pragma once
// Rectangular linear sum assignment (minimisation), equivalent to
// scipy.optimize.linear_sum_assignment: shortest augmenting paths with dual variables
// (Jonker-Volgenant / Crouse 2016), O(n^2 m) for an n x m matrix with n <= m (a tall matrix is
// solved transposed). Ties are broken as scipy breaks them, so on a matrix with several optimal
// assignments the same one is returned. No Torch: plain arrays in, indices out.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace studio::train {

enum class LsapStatus {
    Ok,
    InvalidEntry,  // a NaN or -inf entry (scipy: "matrix contains invalid numeric entries")
    Infeasible,    // +inf entries leave no complete assignment (scipy: "cost matrix is infeasible")
};

/// min(rows, cols) pairs; rowInd ascending (as scipy), colInd[k] the column assigned to rowInd[k].
struct LsapResult {
    std::vector<std::int64_t> rowInd;
    std::vector<std::int64_t> colInd;
    double totalCost = 0;  // sum of the assigned entries (double), 0 for an empty matrix
    bool finiteInput =
        true;  // every entry of the last input was finite (+inf is allowed but reported)
};

/// What the producer of a prepared matrix knows about one of its rows: the row's smallest entry and
/// its column, set only when every entry of the row is finite and that smallest entry is unique
/// (column -1 otherwise), and whether every entry is finite. A search starting at such a row whose
/// column is still free and untouched by the duals ends there at once, exactly as the full scan
/// would (the other columns' reduced costs are at least their entries, which exceed the minimum):
/// most of the 20-target searches of a DETR step then skip their first 300-column scan.
struct LsapRowMin {
    double value = 0;
    int column = -1;
    /// Every entry of the row is finite (the producer checked): the solver then skips its own
    /// NaN / inf checks on the row's first scan. Must not be set otherwise.
    bool finite = false;
};

/// A reusable solver: keeps its scratch buffers between calls, so one instance per thread solves
/// many problems without allocating. Not thread-safe; use one per thread.
class LsapSolver {
  public:
    LsapSolver();

    /// Solves the rows x cols matrix whose row r starts at cost + r * rowStride (float or double
    /// entries; arithmetic is in double, as scipy). Returns Ok and fills `out`, or an error status
    /// with `out` empty.
    LsapStatus solve(const float* cost, int rows, int cols, std::ptrdiff_t rowStride,
                     LsapResult& out);
    LsapStatus solve(const double* cost, int rows, int cols, std::ptrdiff_t rowStride,
                     LsapResult& out);

    /// For producers that write the working matrix themselves (the fused cost kernel), skipping the
    /// copy: returns a rows x workStride(cols) row-major buffer for a rows <= cols problem; fill
    /// columns [0, cols) of each row (the rest is padding), then call solvePrepared. The buffer is
    /// valid until the next call. Its entries are float32, the type the DETR cost is computed in;
    /// they are read as double (exactly), so the arithmetic is the same as solve() on the same
    /// values, while the 20 x 300 block of a DETR problem (24 KB) stays in the L1 cache.
    float* prepare(int rows, int cols);
    /// Row stride of prepare()'s buffer: cols rounded up to a multiple of 8.
    static int workStride(int cols);
    /// Solves the prepared matrix like solve(). NaN / -inf entries are found as rows are first
    /// scanned, so a failing status may come after part of the work. `rowMins` (optional, one per
    /// row, valid during the call) enables the first-scan shortcut; the result is the same with or
    /// without it.
    LsapStatus solvePrepared(LsapResult& out, const LsapRowMin* rowMins = nullptr);

    /// Row scans 8 doubles wide (AVX-512, the default where the CPU has it) or 4 wide (AVX2 or the
    /// baseline ISA). Same results either way; for tests and benchmarks. Returns false (changing
    /// nothing) when wide scans are asked for and the CPU lacks AVX-512.
    bool setWideScans(bool wide);
    bool wideScans() const { return m_wide; }

  private:
    template <class T>
    LsapStatus solveImpl(const T* cost, int rows, int cols, std::ptrdiff_t rowStride,
                         LsapResult& out);
    // The solving stages on a working matrix of double (solve) or float (solvePrepared) entries.
    template <class W>
    int augmentingPath(const W* work, int curRow, double& minVal);
    template <class W>
    LsapStatus run(const W* work, LsapResult& out);
    template <class W>
    int parentOf(const W* work, int column) const;
    void setShape(int rows, int cols);
    int pickColumn(double lowest) const;

    int m_nr = 0;   // rows of the working matrix (<= m_nc)
    int m_nc = 0;   // columns
    int m_pad = 0;  // m_nc rounded up to twice the vector width; padded columns are never open
    bool m_invalid = false, m_infinite = false;  // seen by the first scans of the rows so far
    const LsapRowMin* m_rowMins = nullptr;       // solvePrepared's hints, null otherwise
    bool m_shortcut = false;  // hints usable: no column dual has become positive (rounding)
    bool m_wide;              // 8-lane row scans (AVX-512)
    std::vector<double> m_transposed;            // tall inputs: the input transposed, m_nr x m_nc
    std::vector<double> m_work;                  // solve()'s working matrix, m_nr x m_pad
    std::vector<float> m_workF;                  // prepare()'s working matrix, m_nr x m_pad
    std::vector<double> m_u, m_v;
    std::vector<double> m_shortest;  // per column: distance in the current search, NaN once settled
    std::vector<double> m_settled;   // per column: the distance it was settled at
    std::vector<double> m_stepMin;   // per search step: the distance the step relaxed from
    std::vector<int> m_col4row, m_row4col, m_visitedRows, m_visitedCols;
    std::vector<std::pair<int, int>> m_path;  // (row, column) pairs of the augmenting path
    mutable std::vector<int> m_ties;
};

/// Convenience for tests and tools: a dense row-major rows x cols matrix.
LsapStatus solveLinearSumAssignment(const std::vector<double>& cost, int rows, int cols,
                                    LsapResult& out);

/// Human-readable status ("ok", "invalid entry (NaN or -inf)", "infeasible").
const char* lsapStatusText(LsapStatus status);

}  // namespace studio::train
