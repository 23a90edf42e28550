#pragma once
// TensorBoard's smoothing of noisy per-step curves: a debiased exponential moving average.

namespace studio::ui {

struct Smoother {
    double weight = 0.6;   // 0 = raw values, towards 1 = smoother
    double last = 0;
    long long count = 0;
    /// The next smoothed value (NaN passes through as a gap and leaves the average unchanged).
    double next(double value);
    void reset() {
        last = 0;
        count = 0;
    }
};

}  // namespace studio::ui
