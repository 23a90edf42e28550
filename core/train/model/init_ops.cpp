#include "train/model/init_ops.h"

#include <cmath>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

namespace studio::train {

namespace {
double normCdf(double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; }
}  // namespace

void truncNormal_(at::Tensor tensor, double std) {
    c10::NoGradGuard noGrad;
    const double a = -2.0, b = 2.0;
    if (b / std > 8.0) {  // the bounds are beyond 8 sigma: truncation never happens, a plain normal is exact
        tensor.normal_(0.0, std);
        tensor.clamp_(a, b);
        return;
    }
    const double l = normCdf(a / std), u = normCdf(b / std);
    tensor.uniform_(2 * l - 1, 2 * u - 1);
    tensor.erfinv_();
    tensor.mul_(std * std::sqrt(2.0));
    tensor.clamp_(a, b);
}

void xavierUniform_(at::Tensor tensor) {
    c10::NoGradGuard noGrad;
    const std::int64_t receptive = tensor.dim() > 2 ? tensor[0][0].numel() : 1;
    const double fanIn = static_cast<double>(tensor.size(1) * receptive);
    const double fanOut = static_cast<double>(tensor.size(0) * receptive);
    const double bound = std::sqrt(6.0 / (fanIn + fanOut));
    tensor.uniform_(-bound, bound);
}

}  // namespace studio::train
