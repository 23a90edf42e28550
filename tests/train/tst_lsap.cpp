// LsapSolver: scipy parity on matcher_cases.json, optimality against brute force, non-finite
// entries.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>

#include <nlohmann/json.hpp>

#include "train/loss/lsap.h"

using namespace studio::train;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// Minimum total over all assignments of min(rows, cols) pairs (rows <= 8 or cols <= 8 kept small).
double bruteForceMin(const std::vector<double>& c, int rows, int cols) {
    const bool tall = rows > cols;
    const int n = tall ? cols : rows, m = tall ? rows : cols;
    auto at = [&](int i, int j) { return tall ? c[j * cols + i] : c[i * cols + j]; };
    std::vector<int> perm(m);
    std::iota(perm.begin(), perm.end(), 0);
    double best = kInf;
    // Enumerate ordered choices of n distinct columns out of m via permutations of m (m <= 8).
    do {
        double s = 0;
        for (int i = 0; i < n; ++i)
            s += at(i, perm[i]);
        best = std::min(best, s);
    } while (std::next_permutation(perm.begin(), perm.end()));
    return best;
}

bool isPermutationLike(const LsapResult& r, int rows, int cols) {
    const int k = std::min(rows, cols);
    if (static_cast<int>(r.rowInd.size()) != k || static_cast<int>(r.colInd.size()) != k)
        return false;
    std::vector<char> rowUsed(rows, 0), colUsed(cols, 0);
    for (int i = 0; i < k; ++i) {
        if (r.rowInd[i] < 0 || r.rowInd[i] >= rows || r.colInd[i] < 0 || r.colInd[i] >= cols)
            return false;
        if (rowUsed[r.rowInd[i]]++ || colUsed[r.colInd[i]]++)
            return false;
        if (i > 0 && r.rowInd[i] <= r.rowInd[i - 1])
            return false;  // ascending rows, as scipy
    }
    return true;
}

// The row minima a producer hands to solvePrepared: each row's unique finite minimum, column -1
// for rows with a tie at the minimum or a non-finite entry; `finite` for all-finite rows.
std::vector<LsapRowMin> rowMinima(const std::vector<double>& c, int rows, int cols) {
    std::vector<LsapRowMin> out(rows);
    for (int r = 0; r < rows; ++r) {
        const double* row = c.data() + static_cast<std::size_t>(r) * cols;
        int at = 0, ties = 0;
        bool finite = true;
        for (int j = 0; j < cols; ++j) {
            finite = finite && std::isfinite(row[j]);
            if (row[j] < row[at])
                at = j, ties = 1;
            else if (row[j] == row[at])
                ++ties;
        }
        out[r].value = row[at];
        out[r].column = finite && ties == 1 ? at : -1;
        out[r].finite = finite;
    }
    return out;
}

// Solves the rows <= cols matrix through prepare() / solvePrepared(), with or without row minima.
// prepare()'s buffer holds float32: the entries of `c` must be float values.
LsapStatus solvePrepared(LsapSolver& solver, const std::vector<double>& c, int rows, int cols,
                         bool withMinima, LsapResult& r) {
    float* work = solver.prepare(rows, cols);
    const int stride = LsapSolver::workStride(cols);
    for (int i = 0; i < rows; ++i)
        std::copy_n(c.data() + static_cast<std::size_t>(i) * cols, cols, work + i * stride);
    const auto minima = rowMinima(c, rows, cols);
    return solver.solvePrepared(r, withMinima ? minima.data() : nullptr);
}
}  // namespace

class TstLsap : public QObject {
    Q_OBJECT
  private slots:
    void scipyCases() {
        std::ifstream in(STUDIO_TEST_DATA_DIR "/rfdetr/matcher_cases.json");
        QVERIFY(in.good());
        const auto doc = nlohmann::json::parse(in);
        const auto& cases = doc.at("cases");
        QCOMPARE(static_cast<int>(cases.size()), 20);
        LsapSolver solver;
        for (const auto& cs : cases) {
            const std::string name = cs.at("name");
            const int rows = cs.at("rows"), cols = cs.at("cols");
            std::vector<double> cost;
            std::vector<float> cost32;
            for (const auto& row : cs.at("cost"))
                for (const auto& x : row) {
                    cost.push_back(x.get<double>());
                    cost32.push_back(x.get<float>());
                }
            QCOMPARE(static_cast<int>(cost.size()), rows * cols);
            LsapResult r;
            QCOMPARE(solver.solve(cost.data(), rows, cols, cols, r), LsapStatus::Ok);
            QVERIFY2(isPermutationLike(r, rows, cols), name.c_str());
            const double want = cs.at("total_cost");
            QVERIFY2(std::abs(r.totalCost - want) <= 1e-9 * std::max(1.0, std::abs(want)),
                     (name + ": " + std::to_string(r.totalCost) + " vs " + std::to_string(want))
                         .c_str());
            // The indices equal scipy's even where the optimum is not unique (same tie-breaking).
            const auto wantRows = cs.at("row_ind").get<std::vector<std::int64_t>>();
            const auto wantCols = cs.at("col_ind").get<std::vector<std::int64_t>>();
            QVERIFY2(r.rowInd == wantRows, name.c_str());
            QVERIFY2(r.colInd == wantCols, name.c_str());
            // float input (the matcher's cost matrices) gives the same result: the values are
            // float-exact.
            LsapResult r32;
            QCOMPARE(solver.solve(cost32.data(), rows, cols, cols, r32), LsapStatus::Ok);
            QVERIFY2(r32.rowInd == r.rowInd && r32.colInd == r.colInd, name.c_str());
        }
    }

    void randomMatricesAreOptimal() {
        std::mt19937 rng(1234);
        LsapSolver solver;  // reused across shapes: stale scratch must not leak between problems
        for (int trial = 0; trial < 600; ++trial) {
            const int rows = 1 + static_cast<int>(rng() % 8),
                      cols = 1 + static_cast<int>(rng() % 8);
            std::vector<double> c(rows * cols);
            const int kind = trial % 3;
            for (auto& x : c) {
                if (kind == 0)
                    x = std::uniform_real_distribution<double>(-5, 5)(rng);
                else if (kind == 1)
                    x = static_cast<double>(rng() % 4);  // many ties
                else
                    x = std::exp(std::uniform_real_distribution<double>(-7, 7)(rng));  // wide range
            }
            LsapResult r;
            QCOMPARE(solver.solve(c.data(), rows, cols, cols, r), LsapStatus::Ok);
            QVERIFY(isPermutationLike(r, rows, cols));
            double sum = 0;
            for (std::size_t k = 0; k < r.rowInd.size(); ++k)
                sum += c[r.rowInd[k] * cols + r.colInd[k]];
            QCOMPARE(r.totalCost, sum);
            const double best = bruteForceMin(c, rows, cols);
            QVERIFY2(std::abs(r.totalCost - best) <= 1e-9 * std::max(1.0, std::abs(best)),
                     (std::to_string(rows) + "x" + std::to_string(cols) + " trial " +
                      std::to_string(trial))
                         .c_str());
        }
    }

    // The row-minimum shortcut of solvePrepared: optimal against brute force on small rectangular
    // matrices, and the very assignment of the full scans (and of solve()) on small and
    // DETR-sized ones, with continuous costs, many ties, wide ranges and +inf entries.
    void rowMinimaShortcutIsOptimalAndExact() {
        std::mt19937 rng(99);
        LsapSolver a, b, c, d, e;
        // d and e scan rows at the other vector width (4 lanes where the default is AVX-512's 8):
        // every result must be the same.
        const bool otherWidth = d.setWideScans(!d.wideScans()) && e.setWideScans(d.wideScans());
        qInfo("row scans: %s by default; the other width %s", a.wideScans() ? "8 lanes" : "4 lanes",
              otherWidth ? "checked too" : "unavailable on this CPU");
        int shortcutRows = 0;
        for (int trial = 0; trial < 900; ++trial) {
            const bool big = trial % 3 == 2;
            const int rows = big ? 5 + static_cast<int>(rng() % 26) : 1 + static_cast<int>(rng() % 6);
            const int cols = big ? rows + static_cast<int>(rng() % 300)
                                 : rows + static_cast<int>(rng() % (9 - rows));
            std::vector<double> m(static_cast<std::size_t>(rows) * cols);
            const int kind = (trial / 3) % 4;
            for (auto& x : m) {
                if (kind == 0)
                    x = std::uniform_real_distribution<double>(-5, 5)(rng);
                else if (kind == 1)
                    x = static_cast<double>(rng() % 6);  // many ties
                else if (kind == 2)
                    x = std::exp(std::uniform_real_distribution<double>(-20, 20)(rng));
                else
                    x = rng() % 17 == 0 ? kInf : std::uniform_real_distribution<double>(0, 3)(rng);
                x = static_cast<double>(static_cast<float>(x));  // prepare() holds float32
            }
            for (const auto& h : rowMinima(m, rows, cols))
                shortcutRows += h.column >= 0;
            LsapResult withMinima, without, plain;
            const auto s1 = solvePrepared(a, m, rows, cols, true, withMinima);
            const auto s2 = solvePrepared(b, m, rows, cols, false, without);
            const auto s3 = c.solve(m.data(), rows, cols, cols, plain);
            const std::string what = std::to_string(rows) + "x" + std::to_string(cols) +
                                     " kind " + std::to_string(kind) + " trial " +
                                     std::to_string(trial);
            QVERIFY2(s1 == s2 && s2 == s3, what.c_str());
            QVERIFY2(withMinima.rowInd == without.rowInd && withMinima.colInd == without.colInd,
                     what.c_str());
            QVERIFY2(withMinima.colInd == plain.colInd, what.c_str());
            QVERIFY2(withMinima.finiteInput == plain.finiteInput, what.c_str());
            LsapResult otherPrepared, otherPlain;
            QVERIFY2(solvePrepared(d, m, rows, cols, trial % 2 == 0, otherPrepared) == s1,
                     what.c_str());
            QVERIFY2(e.solve(m.data(), rows, cols, cols, otherPlain) == s1, what.c_str());
            QVERIFY2(otherPrepared.colInd == plain.colInd && otherPlain.colInd == plain.colInd,
                     what.c_str());
            QVERIFY2(otherPrepared.totalCost == plain.totalCost &&
                         otherPlain.totalCost == plain.totalCost,
                     what.c_str());
            if (s1 != LsapStatus::Ok)
                continue;
            QVERIFY2(isPermutationLike(withMinima, rows, cols), what.c_str());
            QCOMPARE(withMinima.totalCost, without.totalCost);
            if (!big) {
                const double best = bruteForceMin(m, rows, cols);
                QVERIFY2(std::abs(withMinima.totalCost - best) <=
                             1e-9 * std::max(1.0, std::abs(best)),
                         what.c_str());
            }
        }
        QVERIFY(shortcutRows > 1000);  // the shortcut was offered often enough to matter
    }

    // A row minimum in a column that an earlier row took, or whose dual moved, must not be used.
    void rowMinimaInTakenColumnsFallBackToTheFullScan() {
        // Both rows prefer column 0; row 1 must go through column 0's owner (row 0) to column 1 or
        // take column 2: the optimum is row 0 -> 1, row 1 -> 0 (1 + 0 = 1 < 0 + 2).
        const std::vector<double> m = {0, 1, 5, 0, 3, 2};
        LsapSolver solver;
        LsapResult r;
        QCOMPARE(solvePrepared(solver, m, 2, 3, true, r), LsapStatus::Ok);
        QCOMPARE(r.colInd, (std::vector<std::int64_t>{1, 0}));
        QCOMPARE(r.totalCost, 1.0);
    }

    void rowStrideSelectsASubBlock() {
        // A 3x2 block inside a 3x5 buffer: the other columns must be ignored.
        const std::vector<float> buf = {9, 1, -100, -100, -100,  //
                                        1, 9, -100, -100, -100,  //
                                        5, 5, -100, -100, -100};
        LsapSolver solver;
        LsapResult r;
        QCOMPARE(solver.solve(buf.data(), 3, 2, 5, r), LsapStatus::Ok);
        QCOMPARE(r.rowInd, (std::vector<std::int64_t>{0, 1}));
        QCOMPARE(r.colInd, (std::vector<std::int64_t>{1, 0}));
        QCOMPARE(r.totalCost, 2.0);
    }

    void emptyMatrices() {
        LsapSolver solver;
        LsapResult r;
        r.rowInd = {7};
        QCOMPARE(solver.solve(static_cast<const double*>(nullptr), 0, 4, 4, r), LsapStatus::Ok);
        QVERIFY(r.rowInd.empty() && r.colInd.empty());
        QCOMPARE(solver.solve(static_cast<const double*>(nullptr), 300, 0, 0, r), LsapStatus::Ok);
        QVERIFY(r.rowInd.empty());
        QCOMPARE(r.totalCost, 0.0);
    }

    void plusInfinityIsForbiddenButFeasible() {
        // Like scipy: +inf entries are allowed as long as a finite assignment exists.
        const std::vector<double> c = {kInf, 1,    2,  //
                                       3,    kInf, kInf};
        LsapResult r;
        QCOMPARE(solveLinearSumAssignment(c, 2, 3, r), LsapStatus::Ok);
        QCOMPARE(r.colInd, (std::vector<std::int64_t>{1, 0}));
        QCOMPARE(r.totalCost, 4.0);
        // Tall version of the same matrix.
        const std::vector<double> t = {kInf, 3, 1, kInf, 2, kInf};
        QCOMPARE(solveLinearSumAssignment(t, 3, 2, r), LsapStatus::Ok);
        QCOMPARE(r.rowInd, (std::vector<std::int64_t>{0, 1}));
        QCOMPARE(r.colInd, (std::vector<std::int64_t>{1, 0}));
    }

    void infeasibleAndInvalidAreReportedNotCrashed() {
        LsapResult r;
        const std::vector<double> inf = {kInf, kInf, 1, 2};
        QCOMPARE(solveLinearSumAssignment(inf, 2, 2, r), LsapStatus::Infeasible);
        QVERIFY(r.rowInd.empty());
        const std::vector<double> allInf(12, kInf);
        QCOMPARE(solveLinearSumAssignment(allInf, 4, 3, r), LsapStatus::Infeasible);
        const std::vector<double> nan = {1, std::nan(""), 2, 3};
        QCOMPARE(solveLinearSumAssignment(nan, 2, 2, r), LsapStatus::InvalidEntry);
        const std::vector<double> negInf = {1, 2, -kInf, 3};
        QCOMPARE(solveLinearSumAssignment(negInf, 2, 2, r), LsapStatus::InvalidEntry);
        QVERIFY(std::string(lsapStatusText(LsapStatus::Infeasible)).find("infeasible") !=
                std::string::npos);
        // The solver is usable again after a failure.
        const std::vector<double> ok = {4, 1, 2, 8};
        LsapSolver solver;
        QCOMPARE(solver.solve(nan.data(), 2, 2, 2, r), LsapStatus::InvalidEntry);
        QCOMPARE(solver.solve(ok.data(), 2, 2, 2, r), LsapStatus::Ok);
        QCOMPARE(r.totalCost, 3.0);
    }

    void largeDetrShapedProblem() {
        // 300 queries x 20 targets, the shape the matcher solves. Too big for brute force: check
        // that the tall and the transposed problem agree, and that no local move (re-targeting one
        // query to a free query, or exchanging the queries of two targets) improves the total.
        std::mt19937 rng(7);
        const int q = 300, t = 20;
        std::vector<double> c(q * t), ct(t * q);
        for (int i = 0; i < q; ++i)
            for (int j = 0; j < t; ++j)
                ct[j * q + i] = c[i * t + j] = std::uniform_real_distribution<double>(0, 10)(rng);
        LsapResult a, b;
        QCOMPARE(solveLinearSumAssignment(c, q, t, a), LsapStatus::Ok);
        QCOMPARE(solveLinearSumAssignment(ct, t, q, b), LsapStatus::Ok);
        QVERIFY(isPermutationLike(a, q, t));
        QVERIFY(isPermutationLike(b, t, q));
        QCOMPARE(a.totalCost, b.totalCost);
        std::vector<int> queryOf(t, -1);
        std::vector<char> used(q, 0);
        for (int k = 0; k < t; ++k) {
            queryOf[a.colInd[k]] = static_cast<int>(a.rowInd[k]);
            used[a.rowInd[k]] = 1;
            QCOMPARE(b.colInd[a.colInd[k]], a.rowInd[k]);  // b lists targets 0..t-1 in order
        }
        for (int j = 0; j < t; ++j) {
            const double now = c[queryOf[j] * t + j];
            for (int i = 0; i < q; ++i)
                if (!used[i])
                    QVERIFY(c[i * t + j] >= now);
            for (int k = j + 1; k < t; ++k) {
                const double swapped = c[queryOf[k] * t + j] + c[queryOf[j] * t + k];
                QVERIFY(swapped >= now + c[queryOf[k] * t + k] - 1e-12);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TstLsap)
#include "tst_lsap.moc"
