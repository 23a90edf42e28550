#include "train/model/postprocess.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "train/model/position_encoding.h"

namespace studio::train {

PostProcessed postProcess(const DetectionOutput& out, const at::Tensor& sizesHw, int64_t numSelect) {
    c10::NoGradGuard noGrad;
    const int64_t b = out.logits.size(0), k = out.logits.size(2);
    at::Tensor prob = out.logits.sigmoid().view({b, -1});
    auto [scores, index] = at::topk(prob, std::min(numSelect, prob.size(1)), 1);
    at::Tensor query = at::div(index, k, "floor");
    PostProcessed p;
    p.scores = scores;
    p.labels = index.remainder(k);
    at::Tensor boxes = at::gather(modelBoxCxcywhToXyxy(out.boxes), 1, query.unsqueeze(-1).repeat({1, 1, 4}));
    at::Tensor hw = sizesHw.to(boxes.device());
    at::Tensor h = hw.select(1, 0), w = hw.select(1, 1);
    at::Tensor scale = at::stack({w, h, w, h}, 1).to(boxes.scalar_type());
    p.boxes = boxes * scale.unsqueeze(1);
    return p;
}

std::vector<Detection> detectionsAbove(const PostProcessed& p, int64_t index, double threshold) {
    at::Tensor s = p.scores[index].to(at::kCPU, at::kFloat).contiguous();
    at::Tensor l = p.labels[index].to(at::kCPU, at::kLong).contiguous();
    at::Tensor b = p.boxes[index].to(at::kCPU, at::kFloat).contiguous();
    std::vector<Detection> out;
    for (int64_t i = 0; i < s.size(0); ++i) {
        const float score = s.data_ptr<float>()[i];
        if (!(score > threshold)) continue;
        const float* box = b.data_ptr<float>() + 4 * i;
        out.push_back({l.data_ptr<int64_t>()[i], score, box[0], box[1], box[2], box[3]});
    }
    return out;
}

}  // namespace studio::train
