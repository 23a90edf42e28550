#include "train/model/window_ops.h"

#include <ATen/ATen.h>

namespace studio::train {

at::Tensor partitionWindows(const at::Tensor& tokens, std::int64_t hp, std::int64_t wp, std::int64_t nw) {
    const std::int64_t b = tokens.size(0);
    const std::int64_t c = tokens.size(2);
    if (nw == 1) return tokens;
    const std::int64_t hpw = hp / nw;
    const std::int64_t wpw = wp / nw;
    at::Tensor cls = tokens.narrow(1, 0, 1);  // [B, 1, C]
    at::Tensor patches = tokens.narrow(1, 1, hp * wp)
                             .reshape({b * nw, hpw, nw, wpw, c})  // (b, wy), r%hpw, wx, c%wpw
                             .permute({0, 2, 1, 3, 4})
                             .reshape({b * nw * nw, hpw * wpw, c});
    // Every CLS token is identical (cls_token + its position embedding), so the tiling order of rfdetr's
    // cls.repeat(nw², 1, 1) does not matter; expand to the window batch.
    at::Tensor clsWindows = cls.repeat({nw * nw, 1, 1});
    return at::cat({clsWindows, patches}, 1);
}

at::Tensor unpartitionWindows(const at::Tensor& windows, std::int64_t hp, std::int64_t wp, std::int64_t nw) {
    const std::int64_t c = windows.size(2);
    const std::int64_t b = windows.size(0) / (nw * nw);
    at::Tensor patches = windows.narrow(1, 1, windows.size(1) - 1);  // drop CLS
    if (nw > 1) {
        const std::int64_t hpw = hp / nw;
        const std::int64_t wpw = wp / nw;
        patches = patches.reshape({b * nw, nw, hpw, wpw, c}).permute({0, 2, 1, 3, 4});
    }
    return patches.reshape({b, hp, wp, c}).permute({0, 3, 1, 2}).contiguous();
}

}  // namespace studio::train
