#pragma once
// Gradient buckets for the all-reduce (rfdetr-spec.md §9, DDP's bucketing): consecutive tensors of one
// dtype and device are packed into flat buffers of at most a byte cap, so a step issues a few large
// collectives instead of one per parameter. Pure tensor code, no process group: testable on its own.
#include <cstddef>
#include <vector>

#include <ATen/Tensor.h>

namespace studio::train {

/// Indices into the tensor list, in order; all of one dtype and device.
using GradBucket = std::vector<std::size_t>;

/// Groups `tensors` (same order) into buckets of at most `capBytes` bytes each; a tensor larger than the
/// cap gets a bucket of its own; a change of dtype or device starts a new bucket. Any thread.
std::vector<GradBucket> planBuckets(const std::vector<at::Tensor>& tensors, std::size_t capBytes);

/// One contiguous 1-D copy of the bucket's tensors, in bucket order. Any thread.
at::Tensor flattenBucket(const std::vector<at::Tensor>& tensors, const GradBucket& bucket);

/// Copies `flat` (from flattenBucket) back into the bucket's tensors, in place. Any thread.
void unflattenBucket(const at::Tensor& flat, std::vector<at::Tensor>& tensors, const GradBucket& bucket);

}  // namespace studio::train
