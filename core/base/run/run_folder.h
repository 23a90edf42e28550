#pragma once
// The run folder (ARCHITECTURE §4): file names in one place, checkpoint discovery for resume, and the run's
// status — all readable without Torch, so the GUI can offer "Resume from latest EMA" and list runs.
//
// Every checkpoint the trainer writes gets a sidecar "<name>.pth.json" (written atomically after the .pth):
//   {"format":"rfdetr-studio-checkpoint","version":1,"epoch":3,"step":1200,"has_ema":true,"complete":true,
//    "kind":"last","time":1772359000.1,"world_size":4,"model_size":"medium","num_classes":4,"resumable":true}
// Checkpoints without a sidecar (written by rfdetr itself) are inspected by peeking into the zip's data.pkl.
#include <optional>
#include <string>
#include <vector>

namespace studio {

struct RunFolder {
    std::string root;

    std::string configJson() const { return root + "/config.json"; }
    std::string eventsJsonl() const { return root + "/events.jsonl"; }
    std::string logTxt() const { return root + "/log.txt"; }
    std::string resultsJson() const { return root + "/results.json"; }
    std::string checkpoint() const { return root + "/checkpoint.pth"; }
    std::string bestEma() const { return root + "/checkpoint_best_ema.pth"; }
    std::string bestRegular() const { return root + "/checkpoint_best_regular.pth"; }
    std::string bestTotal() const { return root + "/checkpoint_best_total.pth"; }
    /// checkpointNNNN.pth for a 0-based epoch (rfdetr's naming, no underscore).
    std::string periodic(int epoch) const;
    std::string tbDir() const { return root + "/tb"; }
    /// The first training batch of the run as the model sees it, with its target boxes (PNG).
    std::string trainBatchPreview() const { return root + "/train_batch0.png"; }
    std::string logsDir() const { return root + "/logs"; }
    std::string lockFile() const { return root + "/.rfdetr-train.lock"; }
    static std::string sidecarOf(const std::string& checkpointPath) { return checkpointPath + ".json"; }
};

struct CheckpointInfo {
    std::string path;
    std::string kind;        // last | periodic | best_ema | best_regular | best_total | unknown
    int epoch = -1;          // 0-based epoch the checkpoint closes (-1 unknown)
    long long step = -1;
    bool hasEma = false;     // carries EMA weights (ema_model)
    bool resumable = false;  // carries optimizer + scheduler state (rfdetr's checkpoint.pth / periodic)
    bool complete = false;   // sidecar says complete, or the zip is intact
    bool fromSidecar = false;
    double mtime = 0;        // seconds since epoch
    int worldSize = 0;
    std::string modelSize;
    int numClasses = 0;
};

/// Every checkpoint in `runDir` (not recursive), newest first.
std::vector<CheckpointInfo> listCheckpoints(const std::string& runDir);

/// Inspects one .pth: sidecar if present, else the zip's data.pkl keys (epoch, ema_model, optimizer).
std::optional<CheckpointInfo> inspectCheckpoint(const std::string& path);

/// RESUME_CHECKPOINT=auto: the newest complete, resumable checkpoint carrying EMA state. When none exists,
/// returns nullopt and, if `whyNot`, explains what was found ("no checkpoint in DIR", "checkpoint.pth has no
/// EMA state", ...).
std::optional<CheckpointInfo> findResumePoint(const std::string& runDir, std::string* whyNot = nullptr);

enum class RunStatus { Unknown, Running, Finished, Stopped, EarlyStopped, Failed };
const char* nameOf(RunStatus s);

struct RunSummary {
    std::string root;
    RunStatus status = RunStatus::Unknown;
    double startedAt = 0;    // first event time (or config.json mtime)
    double updatedAt = 0;    // last event time
    int lastEpoch = -1;
    long long lastStep = -1;
    double bestMap = -1;     // best mAP50:95 over regular and EMA evaluations (-1: none)
    std::string modelSize;
    std::string dataset;
};

/// Reads config.json and events.jsonl (tolerating a truncated last line) and the lock file to tell whether a
/// trainer still holds the folder.
RunSummary summarizeRun(const std::string& runDir);

/// True when `runDir` holds checkpoints or events of a run (used to refuse reusing it unless resuming).
bool holdsRun(const std::string& runDir);

/// True when a live process holds the run's lock file (pid recorded inside).
bool runIsLocked(const std::string& runDir, long long* pid = nullptr);

}  // namespace studio
