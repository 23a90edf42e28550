#pragma once
// Event protocol v1 (ARCHITECTURE §5): one JSON object per line on the trainer's stdout, mirrored to
// <run>/events.jsonl. Typed structs here, encode/parse in events.cpp. Readers ignore unknown fields and
// unknown types; NaN/Inf are written as null with "nonfinite": true.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace studio {

constexpr int kEventProtocolVersion = 1;

struct HelloEvent {
    int rank = 0;
    int world = 1;
    long long pid = 0;
    std::string version;
    std::string runDir;
    nlohmann::json config;  // resolved RunConfig (secrets masked)
};

struct StepEvent {
    int epoch = 0;
    long long step = 0;                   // optimiser steps since the run began
    double t = 0;                         // unix time, seconds
    double lr = 0;
    std::map<std::string, double> loss;   // "total", "ce", "bbox", "giou", ... (NaN allowed)
    double imgsPerS = 0;
    double dataWaitMs = 0;
    double stepMs = 0;                    // wall time of the step (0 = not reported)
    int rank = 0;                         // rank that produced these numbers
    long long stepsPerEpoch = 0;          // 0 = unknown
    std::string host;                     // node the rank runs on (gethostname; "" = not reported)
    int gpu = -1;                         // NVML index on that node of the rank's GPU (-1 = CPU or not reported)
};

struct GpuSample {
    int index = 0;
    std::string name;
    double util = 0;         // %
    double memUsedMb = 0;
    double memTotalMb = 0;
    double tempC = 0;
    double powerW = 0;
};

struct GpuEvent {
    double t = 0;
    std::string host;
    std::vector<GpuSample> gpus;
};

struct EvalEvent {
    int epoch = 0;
    bool ema = false;
    double map5095 = 0;
    double map50 = 0;
    std::vector<double> stats;                 // the 12 COCO stats (may be empty)
    std::map<std::string, double> perClass;    // class name -> AP50:95
    std::map<std::string, double> loss;        // validation losses (may be empty)
};

struct CheckpointEvent {
    int epoch = 0;
    long long step = 0;
    std::string path;
    bool hasEma = false;
    std::string kind = "last";  // last | periodic | best_ema | best_regular | best_total
};

struct ErrorEvent {
    int rank = 0;
    std::string message;
    std::string hint;
    std::string code;          // machine-readable kind: "oom", "nonfinite", "config", "data", ... ("" = generic)
    nlohmann::json details;    // e.g. suggested batch split for "oom"
};

struct DoneEvent {
    std::string status = "finished";  // finished | stopped | failed | early_stopped
    int exitCode = 0;
};

/// Progress of a long preparation step (dataset download, demo generation, indexing).
struct ProgressEvent {
    std::string stage;        // "download", "demo", "index"
    std::string item;         // file name or description
    double done = 0;          // units done (bytes, images)
    double total = 0;         // 0 = unknown
    double ratePerS = 0;
    double etaS = -1;         // -1 = unknown
};

/// A log line worth showing in the GUI (warnings and errors relayed from any rank).
struct LogEvent {
    std::string level = "info";
    int rank = 0;
    std::string message;
};

/// Any event type this reader does not know (ignored, but counted).
struct UnknownEvent {
    std::string type;
};

using Event = std::variant<HelloEvent, StepEvent, GpuEvent, EvalEvent, CheckpointEvent, ErrorEvent, DoneEvent,
                           ProgressEvent, LogEvent, UnknownEvent>;

/// The "type" string of an event.
std::string eventType(const Event& e);

/// One line of JSON (no trailing newline). Non-finite numbers become null and set "nonfinite": true.
std::string encodeEvent(const Event& e);

struct ParsedEvent {
    std::optional<Event> event;  // nullopt when the line is rejected
    std::string error;           // why it was rejected
};

/// Parses one line. Rejects invalid/truncated JSON, non-objects, a missing "type", versions < 1.
/// Unknown types give UnknownEvent; unknown fields are ignored; null numbers read as NaN.
ParsedEvent parseEventLine(std::string_view line);

}  // namespace studio
