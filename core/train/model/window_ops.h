#pragma once
// Window partition of the windowed DINOv2 encoder (rfdetr-spec.md §1.3, §1.5). Patch token (r, c) of
// image b goes to window-batch row b*nw² + (r/hpw)*nw + (c/wpw) at sequence position
// 1 + (r%hpw)*wpw + (c%wpw); position 0 of every window holds a copy of the CLS token.
#include <cstdint>

#include <ATen/Tensor.h>

namespace studio::train {

/// [B, 1 + hp*wp, C] (CLS first, patches row-major) -> [B*nw², 1 + (hp/nw)*(wp/nw), C]. Any device/dtype.
at::Tensor partitionWindows(const at::Tensor& tokens, std::int64_t hp, std::int64_t wp, std::int64_t nw);

/// Inverse for the patch tokens: [B*nw², 1 + hpw*wpw, C] -> [B, C, hp, wp] (CLS copies dropped).
at::Tensor unpartitionWindows(const at::Tensor& windows, std::int64_t hp, std::int64_t wp, std::int64_t nw);

}  // namespace studio::train
