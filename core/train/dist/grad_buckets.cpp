#include "train/dist/grad_buckets.h"

#include <ATen/ATen.h>

namespace studio::train {

std::vector<GradBucket> planBuckets(const std::vector<at::Tensor>& tensors, std::size_t capBytes) {
    std::vector<GradBucket> buckets;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const at::Tensor& t = tensors[i];
        const std::size_t size = static_cast<std::size_t>(t.numel()) * t.element_size();
        const bool fresh = buckets.empty() || bytes + size > capBytes ||
                           tensors[buckets.back().front()].scalar_type() != t.scalar_type() ||
                           tensors[buckets.back().front()].device() != t.device();
        if (fresh) {
            buckets.emplace_back();
            bytes = 0;
        }
        buckets.back().push_back(i);
        bytes += size;
    }
    return buckets;
}

at::Tensor flattenBucket(const std::vector<at::Tensor>& tensors, const GradBucket& bucket) {
    std::vector<at::Tensor> parts;
    parts.reserve(bucket.size());
    for (std::size_t i : bucket) parts.push_back(tensors[i].reshape({-1}));
    return parts.size() == 1 ? parts.front().clone() : at::cat(parts);
}

void unflattenBucket(const at::Tensor& flat, std::vector<at::Tensor>& tensors, const GradBucket& bucket) {
    int64_t offset = 0;
    for (std::size_t i : bucket) {
        at::Tensor& t = tensors[i];
        const int64_t n = t.numel();
        t.copy_(flat.narrow(0, offset, n).view(t.sizes()));
        offset += n;
    }
}

}  // namespace studio::train
