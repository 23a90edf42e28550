#include "base/run/run_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "base/events/events.h"
#include "base/run/zip_peek.h"

namespace studio {

namespace fs = std::filesystem;
using nlohmann::json;

std::string RunFolder::periodic(int epoch) const {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "/checkpoint%04d.pth", epoch);
    return root + buf;
}

namespace {

double mtimeOf(const fs::path& p) {
    std::error_code ec;
    const auto t = fs::last_write_time(p, ec);
    if (ec) return 0;
    const auto sys = std::chrono::time_point_cast<std::chrono::system_clock::duration>(
        t - fs::file_time_type::clock::now() + std::chrono::system_clock::now());
    return std::chrono::duration<double>(sys.time_since_epoch()).count();
}

std::string kindFromName(const std::string& name) {
    if (name == "checkpoint.pth") return "last";
    if (name == "checkpoint_best_ema.pth") return "best_ema";
    if (name == "checkpoint_best_regular.pth") return "best_regular";
    if (name == "checkpoint_best_total.pth") return "best_total";
    static const std::regex periodic(R"(^checkpoint\d{4}\.pth$)");
    if (std::regex_match(name, periodic)) return "periodic";
    return "unknown";
}

}  // namespace

std::optional<CheckpointInfo> inspectCheckpoint(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return std::nullopt;
    CheckpointInfo info;
    info.path = path;
    info.kind = kindFromName(fs::path(path).filename().string());
    info.mtime = mtimeOf(path);

    const std::string sidecar = RunFolder::sidecarOf(path);
    if (fs::is_regular_file(sidecar, ec)) {
        std::ifstream in(sidecar);
        const json j = json::parse(in, nullptr, false);
        if (j.is_object() && j.value("format", "") == "rfdetr-studio-checkpoint") {
            info.fromSidecar = true;
            info.epoch = j.value("epoch", -1);
            info.step = j.value("step", -1LL);
            info.hasEma = j.value("has_ema", false);
            info.resumable = j.value("resumable", false);
            info.complete = j.value("complete", false);
            info.kind = j.value("kind", info.kind);
            info.worldSize = j.value("world_size", 0);
            info.modelSize = j.value("model_size", "");
            info.numClasses = j.value("num_classes", 0);
            if (j.contains("time") && j["time"].is_number()) info.mtime = j["time"].get<double>();
            // The sidecar is written after the .pth: a .pth newer than its sidecar was replaced later.
            if (mtimeOf(path) > mtimeOf(sidecar) + 1.0) info.complete = false;
            return info;
        }
    }
    // A checkpoint written by rfdetr: look at the pickle's top-level keys.
    const PickleKeys keys = peekCheckpointKeys(path);
    if (!keys.readable) return info;  // present but unreadable: not complete
    info.complete = true;
    info.hasEma = keys.hasEmaModel;
    info.resumable = keys.hasOptimizer && keys.hasLrScheduler;
    info.epoch = keys.epoch;
    return info;
}

std::vector<CheckpointInfo> listCheckpoints(const std::string& runDir) {
    std::vector<CheckpointInfo> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(runDir, ec)) {
        if (!entry.is_regular_file(ec) || entry.path().extension() != ".pth") continue;
        if (auto info = inspectCheckpoint(entry.path().string())) out.push_back(*info);
    }
    std::sort(out.begin(), out.end(), [](const CheckpointInfo& a, const CheckpointInfo& b) {
        if (a.epoch != b.epoch) return a.epoch > b.epoch;
        return a.mtime > b.mtime;
    });
    return out;
}

std::optional<CheckpointInfo> findResumePoint(const std::string& runDir, std::string* whyNot) {
    std::error_code ec;
    if (!fs::is_directory(runDir, ec)) {
        if (whyNot) *whyNot = "no run folder at " + runDir;
        return std::nullopt;
    }
    const auto all = listCheckpoints(runDir);
    for (const auto& c : all) {
        if (c.complete && c.resumable && c.hasEma) return c;
    }
    if (whyNot) {
        if (all.empty()) {
            *whyNot = "no checkpoint in " + runDir;
        } else {
            std::string parts;
            for (const auto& c : all) {
                std::string why = !c.complete ? "incomplete or unreadable"
                                  : !c.resumable ? "weights only (no optimizer state)"
                                                 : "no EMA state";
                parts += (parts.empty() ? "" : "; ") + fs::path(c.path).filename().string() + ": " + why;
            }
            *whyNot = "no resumable checkpoint with EMA state in " + runDir + " (" + parts + ")";
        }
    }
    return std::nullopt;
}

const char* nameOf(RunStatus s) {
    switch (s) {
        case RunStatus::Unknown: return "unknown";
        case RunStatus::Running: return "running";
        case RunStatus::Finished: return "finished";
        case RunStatus::Stopped: return "stopped";
        case RunStatus::EarlyStopped: return "early_stopped";
        case RunStatus::Failed: return "failed";
    }
    return "unknown";
}

bool runIsLocked(const std::string& runDir, long long* pid) {
    const std::string lock = RunFolder{runDir}.lockFile();
    const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
    if (!locked) ::flock(fd, LOCK_UN);
    if (locked && pid) {
        char buf[32] = {0};
        const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
        *pid = n > 0 ? std::atoll(buf) : 0;
    }
    ::close(fd);
    return locked;
}

RunSummary summarizeRun(const std::string& runDir) {
    RunSummary s;
    s.root = runDir;
    const RunFolder rf{runDir};
    std::error_code ec;
    if (fs::is_regular_file(rf.configJson(), ec)) {
        std::ifstream in(rf.configJson());
        const json j = json::parse(in, nullptr, false);
        if (j.is_object()) {
            s.modelSize = j.value("model_size", "");
            s.dataset = j.value("dataset", "");
        }
        s.startedAt = mtimeOf(rf.configJson());
    }
    std::ifstream ev(rf.eventsJsonl());
    std::string line;
    bool sawDone = false;
    bool sawHello = false;
    while (std::getline(ev, line)) {
        const ParsedEvent p = parseEventLine(line);
        if (!p.event) continue;
        if (const auto* st = std::get_if<StepEvent>(&*p.event)) {
            s.lastEpoch = std::max(s.lastEpoch, st->epoch);
            s.lastStep = std::max(s.lastStep, st->step);
            if (s.startedAt == 0) s.startedAt = st->t;
            s.updatedAt = std::max(s.updatedAt, st->t);
        } else if (const auto* e = std::get_if<EvalEvent>(&*p.event)) {
            if (e->map5095 == e->map5095) s.bestMap = std::max(s.bestMap, e->map5095);
            s.lastEpoch = std::max(s.lastEpoch, e->epoch);
        } else if (const auto* d = std::get_if<DoneEvent>(&*p.event)) {
            sawDone = true;
            s.status = d->status == "finished"        ? RunStatus::Finished
                       : d->status == "stopped"       ? RunStatus::Stopped
                       : d->status == "early_stopped" ? RunStatus::EarlyStopped
                                                      : RunStatus::Failed;
        } else if (std::holds_alternative<HelloEvent>(*p.event)) {
            sawHello = true;
            sawDone = false;  // a resumed run starts again
            s.status = RunStatus::Unknown;
        }
    }
    if (runIsLocked(runDir)) {
        s.status = RunStatus::Running;
    } else if (!sawDone && (sawHello || s.lastStep >= 0)) {
        s.status = RunStatus::Failed;  // events stopped without a done line and nobody holds the folder
    }
    if (s.updatedAt == 0) s.updatedAt = mtimeOf(rf.eventsJsonl());
    return s;
}

bool holdsRun(const std::string& runDir) {
    std::error_code ec;
    if (!fs::is_directory(runDir, ec)) return false;
    if (fs::exists(RunFolder{runDir}.eventsJsonl(), ec)) return true;
    for (const auto& entry : fs::directory_iterator(runDir, ec)) {
        if (entry.path().extension() == ".pth") return true;
    }
    return false;
}

}  // namespace studio
