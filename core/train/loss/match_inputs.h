#pragma once
// Input handling shared by the matcher's fast and reference paths (internal to core/train/loss).
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/Tensor.h>

#include "train/loss/hungarian_matcher.h"
#include "train/loss/lsap.h"

namespace studio::train::detail {

/// Targets as contiguous CPU float32 boxes / int64 labels, validated (shapes, labels in [0,
/// numClasses)).
struct HostTargets {
    std::vector<at::Tensor> boxes, labels;
    std::vector<int> counts;
    int maxCount = 0;
    std::int64_t total = 0;
};
/// Copies and validates; throws std::invalid_argument naming the image and box.
HostTargets hostTargets(const std::vector<ImageTargets>& targets, std::int64_t numClasses);

struct Shape {
    std::int64_t batch = 0, queries = 0, classes = 0, perGroup = 0;
};
/// Shape of one output set; throws std::invalid_argument naming the set when inconsistent.
Shape checkOutput(const DetectionOutput& out, std::size_t numTargets, int groups,
                  const std::string& name);

/// The MatchingError text for a failed block.
std::string failureText(LsapStatus status, int image, int group);

/// Uninitialised index tensors for `pairs` pairs.
MatchIndices emptyIndices(std::int64_t pairs);

}  // namespace studio::train::detail
