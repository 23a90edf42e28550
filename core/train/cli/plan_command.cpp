// plan [train options] [--json] [--no-cache]: predicts peak memory per device and images/s for a run before
// it starts, from a short measured probe on the run's device (train/plan/plan_probe.h) extrapolated to the
// configured batch (base/run/plan_estimate.h), cached per (device, size, resolution, queries, groups, amp, EMA).
#include <cmath>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "base/config/config_cli.h"
#include "base/config/validate.h"
#include "base/log/log.h"
#include "base/run/plan_estimate.h"
#include "base/util/cache_dir.h"
#include "base/util/env.h"
#include "train/cli/commands.h"
#include "train/engine/run_setup.h"
#include "train/plan/plan_probe.h"

namespace studio::train {

namespace {

constexpr double kUsableFractionCuda = 0.92;  // CUDA context and fragmentation take the rest
constexpr double kUsableFractionHost = 0.90;  // of MemAvailable: the loader and the OS need some too

struct PlanFlags {
    bool json = false;
    bool noCache = false;
    bool help = false;
    Args rest;  // the train options
};

PlanFlags splitPlanFlags(const Args& args) {
    PlanFlags f;
    for (const auto& a : args) {
        if (a == "--json") f.json = true;
        else if (a == "--no-cache") f.noCache = true;
        else if (a == "--help" || a == "-h") f.help = true;
        else f.rest.push_back(a);
    }
    return f;
}

std::string planHelp() {
    return "Usage: rfdetr-train plan [TRAIN OPTIONS] [--json] [--no-cache]\n\n"
           "Predicts the peak memory per device and the training speed (images/s) of a run before it starts.\n"
           "It measures a few real training steps (forward, backward, AdamW, EMA) on synthetic images at\n"
           "micro-batches 1 and 2 on the run's device (--device; GPU memory from the CUDA caching allocator,\n"
           "host memory from a counting allocator), with the run's --model-size, --resolution (the largest\n"
           "multi-scale size when --multi-scale is on), --num-queries, --group-detr, --amp and EMA, and\n"
           "extrapolates both linearly to --batch-size. The probe takes seconds on a GPU and minutes on a CPU;\n"
           "its result is cached per (device, size, resolution, queries, groups, amp, EMA) under\n"
           "<cache dir>/plan/, so changing only the batch answers at once.\n\n"
           "When the batch does not fit, it suggests the split that keeps the effective batch\n"
           "(--batch-size x --grad-accum-steps x GPUs) and fits.\n\n"
           "Options (besides every train option, see rfdetr-train train --help):\n"
           "  --json        print one JSON object: device, device_name, model_size, resolution, batch_size,\n"
           "                grad_accum_steps, num_gpus, peak_memory_bytes, device_memory_bytes (0 unknown),\n"
           "                images_per_s (all devices), images_per_s_per_device, fits, suggested (when it\n"
           "                does not fit), probe (the measured points), cached\n"
           "  --no-cache    measure again even when a cached probe exists (and refresh the cache)\n"
           "  --help        show this help\n\n"
           "Exit codes: 0 planned (fits or not), 1 the probe failed, 2 invalid options.\n";
}

std::string gib(std::uint64_t b) { return formatGiB(b); }

}  // namespace

int runPlanCommand(const Args& args) {
    const PlanFlags flags = splitPlanFlags(args);
    if (flags.help) {
        std::cout << planHelp();
        return kExitOk;
    }
    TrainCommandLine cl = parseTrainCommandLine(flags.rest);
    cl.sources.env = environmentSnapshot();
    LoadedConfig loaded = loadRunConfig(cl.sources);
    std::vector<Problem> problems = cl.problems;
    problems.insert(problems.end(), loaded.problems.begin(), loaded.problems.end());
    ValidationContext vctx;
    vctx.purpose = ValidationPurpose::Edit;  // no output folder or dataset reads: only the settings matter
    const auto validation = validateRunConfig(loaded.config, loaded.provenance, vctx);
    problems.insert(problems.end(), validation.begin(), validation.end());
    const RunConfig& cfg = loaded.config;
    const int tokens = (resolvedResolution(cfg) / 16) * (resolvedResolution(cfg) / 16);
    if (tokens < cfg.numQueries)
        problems.push_back({Severity::Error, "--resolution", std::to_string(resolvedResolution(cfg)),
                            "gives " + std::to_string(tokens) + " encoder tokens, fewer than the " +
                                std::to_string(cfg.numQueries) + " queries",
                            "raise --resolution or lower --num-queries"});
    if (hasErrors(problems)) {
        std::cerr << "rfdetr-train plan: the configuration has problems; nothing was measured.\n"
                  << formatProblems(problems);
        return kExitUsage;
    }
    c10::Device device(c10::kCPU);
    try {
        device = chooseDevice(cfg);
    } catch (const SetupError& e) {
        std::cerr << "rfdetr-train plan: " << e.what() << "\n" << formatProblems(e.problems());
        return kExitUsage;
    }

    const ProbeSpec spec = probeSpecFor(cfg, device);
    ProbeKey key;
    key.deviceName = deviceName(device);
    key.modelSize = nameOf(cfg.modelSize);
    key.resolution = spec.resolution;
    key.numQueries = cfg.numQueries;
    key.groupDetr = cfg.groupDetr;
    key.amp = device.is_cuda() ? nameOf(cfg.amp) : "off";
    key.ema = cfg.useEma;
    const std::string cacheDir = studioCacheDir(cfg.cacheDir);
    std::optional<ProbeResult> probe = flags.noCache ? std::nullopt : loadCachedProbe(cacheDir, key);
    const bool cached = probe.has_value();
    if (!probe) {
        logger().info("plan: probing {} at {} px on {} (micro-batches 1 and 2)...", key.modelSize, spec.resolution,
                      key.deviceName);
        probe = runProbe(spec);
        try {
            storeCachedProbe(cacheDir, key, *probe);
        } catch (const std::exception& e) {
            logger().warn("plan: the probe result was not cached: {}", e.what());
        }
    }
    const int devices = device.is_cuda() ? processesPerNode(cfg) : 1;
    const std::uint64_t memory = deviceMemoryBytes(device);
    const PlanEstimate est = estimatePlan(*probe, cfg.batchSize, cfg.gradAccumSteps, devices, memory,
                                          device.is_cuda() ? kUsableFractionCuda : kUsableFractionHost);

    nlohmann::json j = {{"device", device.str()},
                        {"device_name", key.deviceName},
                        {"model_size", key.modelSize},
                        {"resolution", resolvedResolution(cfg)},
                        {"probe_resolution", spec.resolution},
                        {"batch_size", cfg.batchSize},
                        {"grad_accum_steps", cfg.gradAccumSteps},
                        {"num_gpus", devices},
                        {"effective_batch", effectiveBatchSize(cfg.batchSize, cfg.gradAccumSteps, devices)},
                        {"peak_memory_bytes", est.peakBytes},
                        {"device_memory_bytes", memory},
                        {"usable_memory_bytes", est.usableBytes},
                        {"images_per_s", est.imagesPerSecond},
                        {"images_per_s_per_device", est.imagesPerSecondPerDevice},
                        {"fits", est.fits},
                        {"probe", probeToJson(*probe)},
                        {"cached", cached}};
    if (est.suggested)
        j["suggested"] = {{"batch_size", est.suggested->batchSize},
                          {"grad_accum_steps", est.suggested->gradAccumSteps}};
    if (flags.json) {
        std::cout << j.dump() << std::endl;
        return kExitOk;
    }
    std::printf("%s at %d px (probed at %d px), batch %d x accum %d x %d device(s) on %s\n", key.modelSize.c_str(),
                resolvedResolution(cfg), spec.resolution, cfg.batchSize, cfg.gradAccumSteps, devices,
                key.deviceName.c_str());
    std::string measured;
    for (const auto& p : probe->points) measured += (measured.empty() ? "" : ", ") + std::to_string(p.batch) + ": " + gib(p.peakBytes);
    std::printf("  peak memory per device: %s%s (measured at micro-batch %s)\n", gib(est.peakBytes).c_str(),
                memory ? (" of " + gib(est.usableBytes) + " usable").c_str() : "", measured.c_str());
    std::printf("  speed: %.2f images/s per device, %.2f images/s in all\n", est.imagesPerSecondPerDevice,
                est.imagesPerSecond);
    if (est.fits) {
        std::printf("  fits: yes\n");
    } else if (est.suggested) {
        std::printf("  fits: no; keep the effective batch with --batch-size %d --grad-accum-steps %d "
                    "(BATCH_SIZE=%d GRAD_ACCUM_STEPS=%d)\n",
                    est.suggested->batchSize, est.suggested->gradAccumSteps, est.suggested->batchSize,
                    est.suggested->gradAccumSteps);
    } else {
        std::printf("  fits: no, not even one image per micro-batch: lower --resolution or the model size\n");
    }
    std::printf("  %s\n", cached ? "(cached probe; --no-cache measures again)" : "(probe cached for next time)");
    return kExitOk;
}

}  // namespace studio::train
