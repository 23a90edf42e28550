#include "train/engine/checkpoint_io.h"

#include <ATen/ATen.h>

#include <chrono>
#include <fstream>

#include "base/run/run_folder.h"
#include "base/util/atomic_file.h"
#include "train/engine/optimizer_state.h"
#include "train/engine/py_json.h"
#include "train/io/pth_file.h"

namespace studio::train {

namespace {

constexpr const char* kStateFormat = "rfdetr-studio-train-state";

double nowSeconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

PyValue stateToPy(const TrainingState& s) {
    PyValue d = PyValue::dict();
    d.set("format", kStateFormat);
    d.set("version", 1);
    d.set("epoch", s.epoch);
    d.set("epoch_complete", s.epochComplete);
    d.set("global_step", s.globalStep);
    d.set("step_in_epoch", s.stepInEpoch);
    d.set("ema_updates", s.emaUpdates);
    d.set("nonfinite_streak", s.nonfiniteStreak);
    d.set("loader", jsonToPy(s.loader));
    d.set("early_stopping", jsonToPy(s.earlyStopping));
    d.set("best_metrics", jsonToPy(s.bestMetrics));
    d.set("config", jsonToPy(s.config));
    d.set("seed", static_cast<std::int64_t>(s.seed));
    d.set("world_size", s.worldSize);
    d.set("studio_version", s.studioVersion);
    d.set("rng_cpu", s.rng.cpu.defined() ? PyValue(s.rng.cpu) : PyValue::none());
    PyValue cuda = PyValue::list();
    for (const auto& t : s.rng.cuda) cuda.append(t);
    d.set("rng_cuda", cuda);
    return d;
}

nlohmann::json jsonOr(const PyValue& d, const char* key) {
    const PyValue* v = d.find(key);
    return v ? pyToJson(*v) : nlohmann::json();
}

TrainingState stateFromPy(const PyValue& d) {
    if (!d.isDict() || !d.find("format") || d.at("format").asString() != kStateFormat)
        throw std::runtime_error("the 'studio' entry is not a Studio training state");
    TrainingState s;
    s.epoch = static_cast<int>(d.at("epoch").asInt());
    s.epochComplete = d.at("epoch_complete").asBool();
    s.globalStep = d.at("global_step").asInt();
    s.stepInEpoch = d.at("step_in_epoch").asInt();
    s.emaUpdates = d.at("ema_updates").asInt();
    if (const PyValue* v = d.find("nonfinite_streak")) s.nonfiniteStreak = static_cast<int>(v->asInt());
    s.loader = jsonOr(d, "loader");
    s.earlyStopping = jsonOr(d, "early_stopping");
    s.bestMetrics = jsonOr(d, "best_metrics");
    s.config = jsonOr(d, "config");
    if (const PyValue* v = d.find("seed")) s.seed = static_cast<std::uint64_t>(v->asInt());
    if (const PyValue* v = d.find("world_size")) s.worldSize = static_cast<int>(v->asInt());
    if (const PyValue* v = d.find("studio_version"); v && v->isString()) s.studioVersion = v->asString();
    if (const PyValue* v = d.find("rng_cpu"); v && v->isTensor()) s.rng.cpu = v->asTensor();
    if (const PyValue* v = d.find("rng_cuda"); v && v->isSequence())
        for (const auto& t : v->items())
            if (t.isTensor()) s.rng.cuda.push_back(t.asTensor());
    return s;
}

void writeSidecar(const std::string& pth, nlohmann::json sidecar) {
    sidecar["time"] = nowSeconds();
    writeFileAtomic(RunFolder::sidecarOf(pth), sidecar.dump(1) + "\n");
}

nlohmann::json sidecarJson(CheckpointKind kind, const SidecarFacts& facts, int epoch, std::int64_t step,
                           bool hasEma, bool resumable) {
    return {{"format", "rfdetr-studio-checkpoint"},
            {"version", 1},
            {"epoch", epoch},
            {"step", step},
            {"has_ema", hasEma},
            {"complete", true},
            {"kind", nameOf(kind)},
            {"world_size", facts.worldSize},
            {"model_size", facts.modelSize},
            {"num_classes", facts.numClasses},
            {"resumable", resumable}};
}

}  // namespace

const char* nameOf(CheckpointKind k) {
    switch (k) {
        case CheckpointKind::Last: return "last";
        case CheckpointKind::Periodic: return "periodic";
        case CheckpointKind::BestEma: return "best_ema";
        case CheckpointKind::BestRegular: return "best_regular";
        case CheckpointKind::BestTotal: return "best_total";
    }
    return "unknown";
}

PyValue checkpointToPy(const CheckpointParts& parts) {
    PyValue root = PyValue::dict();
    if (parts.model) root.set("model", stateDictToValue(*parts.model));
    if (parts.optimizer) {
        root.set("optimizer", optimizerToPy(*parts.optimizer));
        root.set("lr_scheduler", schedulerToPy(*parts.optimizer, parts.state ? parts.state->globalStep : 0));
    }
    if (parts.state) root.set("epoch", parts.state->completedEpoch());
    root.set("args", parts.args);
    if (parts.ema) root.set("ema_model", stateDictToValue(*parts.ema));
    if (parts.state && parts.withStudioState) root.set("studio", stateToPy(*parts.state));
    return root;
}

void writeCheckpointFile(const std::string& path, const PyValue& root, CheckpointKind kind,
                         const SidecarFacts& facts) {
    writePth(path, root);
    const PyValue* epoch = root.find("epoch");
    std::int64_t step = -1;
    if (const PyValue* studio = root.find("studio"))
        if (const PyValue* s = studio->find("global_step")) step = s->asInt();
    writeSidecar(path, sidecarJson(kind, facts, epoch ? static_cast<int>(epoch->asInt()) : -1, step,
                                   root.find("ema_model") != nullptr,
                                   root.find("optimizer") != nullptr && epoch != nullptr));
}

void copyCheckpointFile(const std::string& from, const std::string& to, CheckpointKind kind) {
    {
        std::ifstream in(from, std::ios::binary);
        if (!in) throw PthError("cannot read " + from + " to copy it to " + to);
        AtomicFileWriter out(to);
        std::vector<char> buf(1 << 20);
        while (in) {
            in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
            if (in.gcount() > 0) out.write(buf.data(), static_cast<std::size_t>(in.gcount()));
        }
        if (in.bad()) throw PthError("cannot read " + from + " to copy it to " + to);
        out.commit();
    }
    nlohmann::json sidecar;
    try {
        sidecar = nlohmann::json::parse(readFile(RunFolder::sidecarOf(from)));
    } catch (const std::exception&) {
        sidecar = {{"format", "rfdetr-studio-checkpoint"}, {"version", 1}, {"complete", true}};
    }
    sidecar["kind"] = nameOf(kind);
    writeSidecar(to, sidecar);
}

LoadedCheckpoint readCheckpointFile(const std::string& path) {
    PthFile file = readPth(path);
    const PyValue& root = file.root;
    if (!root.isDict()) throw std::runtime_error(path + " does not hold a checkpoint dict (found " + root.typeName() + ")");
    LoadedCheckpoint c;
    c.path = path;
    for (const auto& [k, v] : root.dictRef().entries)
        if (k.isString()) c.topLevelKeys.push_back(k.asString());
    try {
        const PyValue* model = root.find("model");
        if (!model) throw std::runtime_error("it has no 'model' entry");
        c.model = stateDictFromValue(*model, "model");
        if (const PyValue* ema = root.find("ema_model"); ema && !ema->isNone())
            c.ema = stateDictFromValue(*ema, "ema_model");
        if (const PyValue* v = root.find("optimizer")) c.optimizer = *v;
        if (const PyValue* v = root.find("lr_scheduler")) c.lrScheduler = *v;
        if (const PyValue* v = root.find("epoch"); v && v->isInt()) c.epoch = v->asInt();
        if (const PyValue* v = root.find("args")) c.args = *v;
        if (const PyValue* v = root.find("studio")) c.state = stateFromPy(*v);
    } catch (const std::exception& e) {
        throw std::runtime_error(path + " is not a usable training checkpoint: " + e.what());
    }
    return c;
}

void writeStrippedCheckpoint(const std::string& source, const std::string& target, const SidecarFacts& facts) {
    PthFile file = readPth(source);
    PyValue out = PyValue::dict();
    const PyValue* model = file.root.isDict() ? file.root.find("model") : nullptr;
    if (!model) throw PthError(source + " has no 'model' entry to copy into " + target);
    out.set("model", *model);
    const PyValue* args = file.root.find("args");
    out.set("args", args ? *args : PyValue::none());
    writePth(target, out);
    const PyValue* epoch = file.root.find("epoch");
    writeSidecar(target, sidecarJson(CheckpointKind::BestTotal, facts,
                                     epoch && epoch->isInt() ? static_cast<int>(epoch->asInt()) : -1, -1, false,
                                     false));
}

}  // namespace studio::train
