#include "base/config/run_config.h"

#include <algorithm>
#include <cctype>

namespace studio {

RunConfig defaultRunConfig(ModelSize size) {
    RunConfig cfg;
    cfg.modelSize = size;
    return cfg;
}

int resolvedResolution(const RunConfig& cfg) {
    return cfg.resolution > 0 ? cfg.resolution : modelSizeSpec(cfg.modelSize).resolution;
}

int processesPerNode(const RunConfig& cfg) {
    return cfg.nprocPerNode > 0 ? cfg.nprocPerNode : cfg.numGpus;
}

long long effectiveBatchSize(int batchSize, int gradAccumSteps, int worldSize) {
    return static_cast<long long>(batchSize) * gradAccumSteps * worldSize;
}

long long effectiveBatchSize(const RunConfig& cfg, int nodes) {
    return effectiveBatchSize(cfg.batchSize, cfg.gradAccumSteps, processesPerNode(cfg) * nodes);
}

std::string effectiveBatchFormula(int batchSize, int gradAccumSteps, int worldSize) {
    return std::to_string(batchSize) + " \xC3\x97 " + std::to_string(gradAccumSteps) + " \xC3\x97 " +
           std::to_string(worldSize) + " = " +
           std::to_string(effectiveBatchSize(batchSize, gradAccumSteps, worldSize));
}

long long stepsPerEpoch(long long trainImages, long long effectiveBatch) {
    if (effectiveBatch <= 0 || trainImages <= 0) return 0;
    if (trainImages < kMinStepsPerEpoch * effectiveBatch) return kMinStepsPerEpoch;
    return (trainImages + effectiveBatch - 1) / effectiveBatch;
}

const char* nameOf(ResumeMode m) {
    switch (m) {
        case ResumeMode::None: return "none";
        case ResumeMode::Path: return "path";
        case ResumeMode::Auto: return "auto";
    }
    return "none";
}

const char* nameOf(DeviceKind d) {
    switch (d) {
        case DeviceKind::Auto: return "auto";
        case DeviceKind::Cpu: return "cpu";
        case DeviceKind::Cuda: return "cuda";
    }
    return "auto";
}

const char* nameOf(AmpDtype a) {
    switch (a) {
        case AmpDtype::Bf16: return "bf16";
        case AmpDtype::Fp16: return "fp16";
        case AmpDtype::Off: return "off";
    }
    return "bf16";
}

const char* nameOf(GradCompression c) {
    switch (c) {
        case GradCompression::None: return "none";
        case GradCompression::Bf16: return "bf16";
        case GradCompression::Fp16: return "fp16";
    }
    return "none";
}

const char* nameOf(LrSchedule s) { return s == LrSchedule::Cosine ? "cosine" : "step"; }

namespace {
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}
}  // namespace

std::optional<DeviceKind> parseDeviceKind(const std::string& s) {
    const auto v = lower(s);
    if (v == "auto") return DeviceKind::Auto;
    if (v == "cpu") return DeviceKind::Cpu;
    if (v == "cuda" || v == "gpu") return DeviceKind::Cuda;
    return std::nullopt;
}

std::optional<AmpDtype> parseAmpDtype(const std::string& s) {
    const auto v = lower(s);
    if (v == "bf16" || v == "bfloat16") return AmpDtype::Bf16;
    if (v == "fp16" || v == "float16") return AmpDtype::Fp16;
    if (v == "off" || v == "none" || v == "fp32" || v == "false") return AmpDtype::Off;
    return std::nullopt;
}

std::optional<GradCompression> parseGradCompression(const std::string& s) {
    const auto v = lower(s);
    if (v == "none" || v == "off" || v == "fp32" || v == "false") return GradCompression::None;
    if (v == "bf16" || v == "bfloat16") return GradCompression::Bf16;
    if (v == "fp16" || v == "float16") return GradCompression::Fp16;
    return std::nullopt;
}

std::optional<LrSchedule> parseLrSchedule(const std::string& s) {
    const auto v = lower(s);
    if (v == "step") return LrSchedule::Step;
    if (v == "cosine") return LrSchedule::Cosine;
    return std::nullopt;
}

std::string resumeSetting(const RunConfig& cfg) {
    switch (cfg.resumeMode) {
        case ResumeMode::None: return "";
        case ResumeMode::Auto: return "auto";
        case ResumeMode::Path: return cfg.resumePath;
    }
    return "";
}

void setResumeSetting(RunConfig& cfg, const std::string& value) {
    const auto v = lower(value);
    if (v.empty() || v == "none" || v == "no" || v == "false") {
        cfg.resumeMode = ResumeMode::None;
        cfg.resumePath.clear();
    } else if (v == "auto" || v == "latest") {
        cfg.resumeMode = ResumeMode::Auto;
        cfg.resumePath.clear();
    } else {
        cfg.resumeMode = ResumeMode::Path;
        cfg.resumePath = value;
    }
}

}  // namespace studio
