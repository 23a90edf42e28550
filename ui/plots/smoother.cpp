#include "ui/plots/smoother.h"

#include <cmath>

namespace studio::ui {

double Smoother::next(double value) {
    if (!std::isfinite(value)) return value;
    last = last * weight + (1.0 - weight) * value;
    ++count;
    const double debias = weight > 0 ? 1.0 - std::pow(weight, double(count)) : 1.0;
    return debias > 0 ? last / debias : value;
}

}  // namespace studio::ui
