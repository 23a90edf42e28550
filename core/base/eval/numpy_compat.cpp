#include "base/eval/numpy_compat.h"

namespace studio::npcompat {

std::vector<double> linspace(double start, double stop, int num) {
    std::vector<double> y(static_cast<std::size_t>(std::max(num, 0)));
    if (num <= 0)
        return y;
    if (num == 1) {
        y[0] = start;
        return y;
    }
    const double step = (stop - start) / static_cast<double>(num - 1);
    for (int i = 0; i < num; ++i) {
        // Two roundings, as numpy (y *= step; y += start): keep the compiler from fusing them into
        // an FMA.
        volatile double scaled = static_cast<double>(i) * step;
        y[static_cast<std::size_t>(i)] = scaled + start;
    }
    y.back() = stop;
    return y;
}

namespace {

double pairwise(const double* a, std::size_t n) {
    if (n < 8) {
        double res = 0.;
        for (std::size_t i = 0; i < n; ++i)
            res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; ++j)
            r[j] = a[j];
        std::size_t i = 8;
        for (; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; ++j)
                r[j] += a[i + static_cast<std::size_t>(j)];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; ++i)
            res += a[i];
        return res;
    }
    std::size_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

}  // namespace

double sum(const double* a, std::size_t n) {
    return 0.0 + pairwise(a, n);
}

}  // namespace studio::npcompat
