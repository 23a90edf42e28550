#include "train/loss/box_ops.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

namespace studio::train {
namespace {

void requireBoxes(const at::Tensor& t, const char* what) {
    if (!t.defined() || t.dim() < 1 || t.size(-1) != 4)
        throw std::invalid_argument(
            std::string(what) + ": expected boxes shaped [..., 4], got " +
            (t.defined() ? std::to_string(t.dim()) + "-d tensor" : "undefined"));
}

// Intersection area and the two areas of broadcasting xyxy boxes.
struct Overlap {
    at::Tensor inter, areaA, areaB;
};

Overlap overlap(const at::Tensor& a, const at::Tensor& b) {
    const auto ax0 = a.select(-1, 0), ay0 = a.select(-1, 1), ax1 = a.select(-1, 2),
               ay1 = a.select(-1, 3);
    const auto bx0 = b.select(-1, 0), by0 = b.select(-1, 1), bx1 = b.select(-1, 2),
               by1 = b.select(-1, 3);
    const auto w = (at::minimum(ax1, bx1) - at::maximum(ax0, bx0)).clamp_min(0);
    const auto h = (at::minimum(ay1, by1) - at::maximum(ay0, by0)).clamp_min(0);
    return {w * h, (ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0)};
}

}  // namespace

at::Tensor boxCxcywhToXyxy(const at::Tensor& cxcywh) {
    requireBoxes(cxcywh, "boxCxcywhToXyxy");
    const auto cx = cxcywh.select(-1, 0), cy = cxcywh.select(-1, 1);
    const auto halfW = 0.5 * cxcywh.select(-1, 2).clamp_min(0.0);
    const auto halfH = 0.5 * cxcywh.select(-1, 3).clamp_min(0.0);
    return at::stack({cx - halfW, cy - halfH, cx + halfW, cy + halfH}, -1);
}

at::Tensor boxArea(const at::Tensor& xyxy) {
    requireBoxes(xyxy, "boxArea");
    return (xyxy.select(-1, 2) - xyxy.select(-1, 0)) * (xyxy.select(-1, 3) - xyxy.select(-1, 1));
}

std::pair<at::Tensor, at::Tensor> boxIouBroadcast(const at::Tensor& a, const at::Tensor& b) {
    requireBoxes(a, "boxIou");
    requireBoxes(b, "boxIou");
    const Overlap o = overlap(a, b);
    auto uni = o.areaA + o.areaB - o.inter;
    auto iou = o.inter / uni;
    return {iou, uni};
}

at::Tensor generalizedBoxIouBroadcast(const at::Tensor& a, const at::Tensor& b) {
    auto [iou, uni] = boxIouBroadcast(a, b);
    const auto w = (at::maximum(a.select(-1, 2), b.select(-1, 2)) -
                    at::minimum(a.select(-1, 0), b.select(-1, 0)))
                       .clamp_min(0);
    const auto h = (at::maximum(a.select(-1, 3), b.select(-1, 3)) -
                    at::minimum(a.select(-1, 1), b.select(-1, 1)))
                       .clamp_min(0);
    const auto enclosing = w * h;
    return iou - (enclosing - uni) / enclosing;
}

std::pair<at::Tensor, at::Tensor> boxIouPairwise(const at::Tensor& a, const at::Tensor& b) {
    return boxIouBroadcast(a.unsqueeze(-2), b.unsqueeze(-3));
}

at::Tensor generalizedBoxIouPairwise(const at::Tensor& a, const at::Tensor& b) {
    return generalizedBoxIouBroadcast(a.unsqueeze(-2), b.unsqueeze(-3));
}

at::Tensor boxIouElementwise(const at::Tensor& a, const at::Tensor& b) {
    return boxIouBroadcast(a, b).first;
}

at::Tensor generalizedBoxIouElementwise(const at::Tensor& a, const at::Tensor& b) {
    return generalizedBoxIouBroadcast(a, b);
}

}  // namespace studio::train
