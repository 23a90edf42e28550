#pragma once
// The few numpy operations pycocotools' results depend on, reproduced bit for bit: np.linspace,
// np.add.reduce's pairwise summation (used by np.mean and np.sum), and stable descending score
// order (np.argsort(-scores, kind='mergesort'), NaN last).
#include <cmath>
#include <cstddef>
#include <vector>

namespace studio::npcompat {

/// np.linspace(start, stop, num) (endpoint=True): i * step + start, the last value exactly `stop`.
std::vector<double> linspace(double start, double stop, int num);

/// np.add.reduce over a contiguous float64 array: 0.0 + numpy's pairwise sum (8-way unrolled,
/// blocks of 128).
double sum(const double* a, std::size_t n);
inline double sum(const std::vector<double>& a) {
    return sum(a.data(), a.size());
}
/// np.mean: sum / n (NaN for n == 0, as numpy).
inline double mean(const std::vector<double>& a) {
    return a.empty() ? std::nan("") : sum(a) / static_cast<double>(a.size());
}

/// Order of np.argsort(-score, kind='mergesort'): higher score first, ties keep their order, NaN
/// last.
inline bool scoreBefore(double a, double b) {
    if (std::isnan(a))
        return false;
    if (std::isnan(b))
        return true;
    return a > b;
}

}  // namespace studio::npcompat
