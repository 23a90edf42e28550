#pragma once
// What to tell a user whose run ran out of memory (issue 11): the batch split that keeps the effective batch
// (smaller micro-batch, more accumulation), the sentence "batch 16 × accum 1 × 4 GPUs = 64 ran out of memory
// on GPU 2: 79.1 of 80.0 GiB in use; try 8 × 2 × 4 = 64", and the "oom" error event's details with the exact command
// and environment to resume with. Pure arithmetic and text: no Torch, no I/O.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/config/run_config.h"

namespace studio {

struct BatchSplit {
    int batchSize = 1;
    int gradAccumSteps = 1;
};

/// The split with the largest micro-batch below `batchSize` whose batch × accumulation equals the current
/// one (16×1 -> 8×2, 6×1 -> 3×2, 5×2 -> 1×10); nullopt at batch 1. Any thread.
std::optional<BatchSplit> smallerSplit(int batchSize, int gradAccumSteps);

/// Where the run ran out of memory, as far as known.
struct OomFacts {
    int batchSize = 1;
    int gradAccumSteps = 1;
    int worldSize = 1;
    std::string device;                    // "cuda:2", "cpu" ("" unknown)
    std::optional<std::uint64_t> usedBytes, totalBytes;
    std::string outputDir;                 // the run folder (its config.json reproduces the run)
    bool checkpointSaved = false;          // the last good state is in <outputDir>/checkpoint.pth
};

struct OomAdvice {
    std::string message;                   // the sentence above
    std::string hint;                      // what to do, naming the command
    std::string command;                   // "rfdetr-train --config RUN/config.json --resume auto --batch-size 8 ..."
    std::string env;                       // "BATCH_SIZE=8 GRAD_ACCUM_STEPS=2 RESUME_CHECKPOINT=auto"
    std::optional<BatchSplit> suggested;
    nlohmann::json details;                // the "oom" ErrorEvent details (shared agreement; absent = unknown)
};

/// The advice for `facts`. Any thread.
OomAdvice makeOomAdvice(const OomFacts& facts);

/// "79.1 GiB" (one decimal, binary units). Any thread.
std::string formatGiB(std::uint64_t bytes);

/// What follows "ran out of memory" for a user, the one wording of the run log and the Studio's banner:
/// " on GPU 2: 79.1 of 80.0 GiB in use" ("cuda:N" -> GPU N, "cpu" -> the host (CPU memory), another device
/// by its name; bytes with one decimal, binary units, only when both are known and total > 0), " on GPU 2"
/// without bytes, ": 79.1 of 80.0 GiB in use" without a device, "" when nothing is known. Any thread.
std::string outOfMemoryWhere(const std::string& device, std::optional<std::uint64_t> usedBytes,
                             std::optional<std::uint64_t> totalBytes);

/// `s` quoted for a POSIX shell when it needs quoting. Any thread.
std::string shellQuote(const std::string& s);

}  // namespace studio
