#include "train/data/targets.h"

#include <ATen/ATen.h>

namespace studio::train {

ImageTargets makeTargets(const Annotations& a, int size) {
    const auto n = static_cast<std::int64_t>(a.boxes.size());
    ImageTargets t;
    t.boxes = at::empty({n, 4}, at::kFloat);
    t.labels = at::empty({n}, at::kLong);
    float* b = t.boxes.data_ptr<float>();
    std::int64_t* l = t.labels.data_ptr<std::int64_t>();
    const float s = static_cast<float>(size);
    for (std::int64_t i = 0; i < n; ++i) {
        const BoxXyxy& x = a.boxes[std::size_t(i)];
        b[4 * i + 0] = ((x.x1 + x.x2) / 2) / s;
        b[4 * i + 1] = ((x.y1 + x.y2) / 2) / s;
        b[4 * i + 2] = (x.x2 - x.x1) / s;
        b[4 * i + 3] = (x.y2 - x.y1) / s;
        l[i] = a.labels[std::size_t(i)];
    }
    return t;
}

}  // namespace studio::train
