#include "base/run/oom_advice.h"

#include <algorithm>
#include <cstdio>

namespace studio {

std::optional<BatchSplit> smallerSplit(int batchSize, int gradAccumSteps) {
    if (batchSize <= 1 || gradAccumSteps < 1) return std::nullopt;
    // The largest proper divisor keeps batch × accumulation exact: halving when the batch is even.
    for (int b = batchSize / 2; b >= 1; --b) {
        if (batchSize % b == 0) return BatchSplit{b, gradAccumSteps * (batchSize / b)};
    }
    return std::nullopt;
}

std::string formatGiB(std::uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
    return buf;
}

std::string shellQuote(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:@+,") ==
                          std::string::npos)
        return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string outOfMemoryWhere(const std::string& device, std::optional<std::uint64_t> usedBytes,
                             std::optional<std::uint64_t> totalBytes) {
    std::string where;
    if (device.rfind("cuda:", 0) == 0) {
        where = " on GPU " + device.substr(5);
    } else if (device == "cpu") {
        where = " on the host (CPU memory)";
    } else if (!device.empty()) {
        where = " on " + device;
    }
    if (usedBytes && totalBytes && *totalBytes > 0) {
        std::string used = formatGiB(*usedBytes);
        used.resize(used.size() - 4);  // "79.1 GiB" -> "79.1": one unit for both
        where += ": " + used + " of " + formatGiB(*totalBytes) + " in use";
    }
    return where;
}

namespace {

std::string splitText(int batch, int accum, int world) {
    std::string s = "batch " + std::to_string(batch) + " \xC3\x97 accum " + std::to_string(accum);
    if (world > 1) s += " \xC3\x97 " + std::to_string(world) + " GPUs";
    return s + " = " + std::to_string(effectiveBatchSize(batch, accum, world));
}

}  // namespace

OomAdvice makeOomAdvice(const OomFacts& f) {
    OomAdvice a;
    const int world = std::max(1, f.worldSize);
    const long long effective = effectiveBatchSize(f.batchSize, f.gradAccumSteps, world);
    a.suggested = smallerSplit(f.batchSize, f.gradAccumSteps);
    a.message = splitText(f.batchSize, f.gradAccumSteps, world) + " ran out of memory" +
                outOfMemoryWhere(f.device, f.usedBytes, f.totalBytes);
    nlohmann::json d = {{"batch_size", f.batchSize},
                        {"grad_accum_steps", f.gradAccumSteps},
                        {"num_gpus", world},
                        {"effective_batch", effective}};
    if (!f.device.empty()) d["device"] = f.device;
    if (f.usedBytes) d["used_bytes"] = *f.usedBytes;
    if (f.totalBytes) d["total_bytes"] = *f.totalBytes;
    const std::string resumeFrom = f.checkpointSaved ? "the checkpoint of the last good step" : "the last checkpoint";
    if (a.suggested) {
        const BatchSplit& s = *a.suggested;
        a.message += "; try " + std::to_string(s.batchSize) + " \xC3\x97 " + std::to_string(s.gradAccumSteps) +
                     " \xC3\x97 " + std::to_string(world) + " = " +
                     std::to_string(effectiveBatchSize(s.batchSize, s.gradAccumSteps, world));
        std::string cmd = "rfdetr-train";
        if (!f.outputDir.empty()) cmd += " --config " + shellQuote(f.outputDir + "/config.json");
        cmd += " --resume auto --batch-size " + std::to_string(s.batchSize) + " --grad-accum-steps " +
               std::to_string(s.gradAccumSteps);
        a.command = cmd;
        a.env = "BATCH_SIZE=" + std::to_string(s.batchSize) + " GRAD_ACCUM_STEPS=" +
                std::to_string(s.gradAccumSteps) + " RESUME_CHECKPOINT=auto";
        a.hint = "resume from " + resumeFrom + " with the same effective batch: " + a.command +
                 " (train_rfdetr_full.sh: " + a.env + ")";
        d["suggested"] = {{"batch_size", s.batchSize}, {"grad_accum_steps", s.gradAccumSteps}};
        d["command"] = a.command;
        d["env"] = a.env;
    } else {
        a.hint = "one image per micro-batch does not fit: lower --resolution, use a smaller --model-size, "
                 "enable --amp on CUDA, or use a GPU with more memory; then resume from " + resumeFrom;
    }
    a.details = std::move(d);
    return a;
}

}  // namespace studio
