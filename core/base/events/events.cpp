#include "base/events/events.h"

#include <cmath>
#include <limits>

namespace studio {

using nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Writes a number; non-finite values become null and mark the object.
struct Encoder {
    json obj = json::object();
    bool nonfinite = false;

    json number(double v) {
        if (!std::isfinite(v)) {
            nonfinite = true;
            return nullptr;
        }
        return v;
    }
    json numberMap(const std::map<std::string, double>& m) {
        json o = json::object();
        for (const auto& [k, v] : m) o[k] = number(v);
        return o;
    }
};

double readNumber(const json& o, const char* key, double fallback = 0.0) {
    const auto it = o.find(key);
    if (it == o.end()) return fallback;
    if (it->is_null()) return kNaN;
    if (it->is_number()) return it->get<double>();
    return fallback;
}

long long readInt(const json& o, const char* key, long long fallback = 0) {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_number()) return fallback;
    if (it->is_number_integer()) return it->get<long long>();
    return static_cast<long long>(it->get<double>());
}

std::string readString(const json& o, const char* key, const std::string& fallback = "") {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_string()) return fallback;
    return it->get<std::string>();
}

bool readBool(const json& o, const char* key, bool fallback = false) {
    const auto it = o.find(key);
    if (it == o.end() || !it->is_boolean()) return fallback;
    return it->get<bool>();
}

std::map<std::string, double> readNumberMap(const json& o, const char* key) {
    std::map<std::string, double> out;
    const auto it = o.find(key);
    if (it == o.end() || !it->is_object()) return out;
    for (auto e = it->begin(); e != it->end(); ++e) {
        if (e->is_null()) out[e.key()] = kNaN;
        else if (e->is_number()) out[e.key()] = e->get<double>();
    }
    return out;
}

struct TypeName {
    std::string operator()(const HelloEvent&) const { return "hello"; }
    std::string operator()(const StepEvent&) const { return "step"; }
    std::string operator()(const GpuEvent&) const { return "gpu"; }
    std::string operator()(const EvalEvent&) const { return "eval"; }
    std::string operator()(const CheckpointEvent&) const { return "checkpoint"; }
    std::string operator()(const ErrorEvent&) const { return "error"; }
    std::string operator()(const DoneEvent&) const { return "done"; }
    std::string operator()(const ProgressEvent&) const { return "progress"; }
    std::string operator()(const LogEvent&) const { return "log"; }
    std::string operator()(const UnknownEvent& u) const { return u.type; }
};

}  // namespace

std::string eventType(const Event& e) { return std::visit(TypeName{}, e); }

std::string encodeEvent(const Event& e) {
    Encoder enc;
    json& o = enc.obj;
    o["v"] = kEventProtocolVersion;
    o["type"] = eventType(e);
    if (const auto* h = std::get_if<HelloEvent>(&e)) {
        o["rank"] = h->rank;
        o["world"] = h->world;
        o["pid"] = h->pid;
        o["version"] = h->version;
        o["run_dir"] = h->runDir;
        o["config"] = h->config.is_null() ? json::object() : h->config;
    } else if (const auto* s = std::get_if<StepEvent>(&e)) {
        o["epoch"] = s->epoch;
        o["step"] = s->step;
        o["t"] = enc.number(s->t);
        o["lr"] = enc.number(s->lr);
        o["loss"] = enc.numberMap(s->loss);
        o["imgs_per_s"] = enc.number(s->imgsPerS);
        o["data_wait_ms"] = enc.number(s->dataWaitMs);
        if (s->stepMs > 0) o["step_ms"] = enc.number(s->stepMs);
        if (s->rank != 0) o["rank"] = s->rank;
        if (s->stepsPerEpoch > 0) o["steps_per_epoch"] = s->stepsPerEpoch;
        if (!s->host.empty()) o["host"] = s->host;
        if (s->gpu >= 0) o["gpu"] = s->gpu;
    } else if (const auto* g = std::get_if<GpuEvent>(&e)) {
        o["t"] = enc.number(g->t);
        if (!g->host.empty()) o["host"] = g->host;
        json arr = json::array();
        for (const auto& s : g->gpus) {
            json gj = {{"index", s.index},
                       {"util", enc.number(s.util)},
                       {"mem_used_mb", enc.number(s.memUsedMb)},
                       {"mem_total_mb", enc.number(s.memTotalMb)},
                       {"temp_c", enc.number(s.tempC)},
                       {"power_w", enc.number(s.powerW)}};
            if (!s.name.empty()) gj["name"] = s.name;
            arr.push_back(gj);
        }
        o["gpus"] = arr;
    } else if (const auto* ev = std::get_if<EvalEvent>(&e)) {
        o["epoch"] = ev->epoch;
        o["ema"] = ev->ema;
        o["map50_95"] = enc.number(ev->map5095);
        o["map50"] = enc.number(ev->map50);
        if (!ev->stats.empty()) {
            json st = json::array();
            for (double v : ev->stats) st.push_back(enc.number(v));
            o["stats"] = st;
        }
        o["per_class"] = enc.numberMap(ev->perClass);
        if (!ev->loss.empty()) o["loss"] = enc.numberMap(ev->loss);
    } else if (const auto* c = std::get_if<CheckpointEvent>(&e)) {
        o["epoch"] = c->epoch;
        o["step"] = c->step;
        o["path"] = c->path;
        o["has_ema"] = c->hasEma;
        o["kind"] = c->kind;
    } else if (const auto* er = std::get_if<ErrorEvent>(&e)) {
        o["rank"] = er->rank;
        o["message"] = er->message;
        o["hint"] = er->hint;
        if (!er->code.empty()) o["code"] = er->code;
        if (!er->details.is_null()) o["details"] = er->details;
    } else if (const auto* d = std::get_if<DoneEvent>(&e)) {
        o["status"] = d->status;
        o["exit_code"] = d->exitCode;
    } else if (const auto* p = std::get_if<ProgressEvent>(&e)) {
        o["stage"] = p->stage;
        o["item"] = p->item;
        o["done"] = enc.number(p->done);
        o["total"] = enc.number(p->total);
        o["rate_per_s"] = enc.number(p->ratePerS);
        o["eta_s"] = enc.number(p->etaS);
    } else if (const auto* l = std::get_if<LogEvent>(&e)) {
        o["level"] = l->level;
        o["rank"] = l->rank;
        o["message"] = l->message;
    }
    if (enc.nonfinite) o["nonfinite"] = true;
    // Invalid UTF-8 in messages (e.g. a path) must not throw: replace it.
    return o.dump(-1, ' ', false, json::error_handler_t::replace);
}

ParsedEvent parseEventLine(std::string_view line) {
    ParsedEvent out;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) {
        out.error = "empty line";
        return out;
    }
    json o = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    if (o.is_discarded()) {
        out.error = "not valid JSON (truncated or corrupt line)";
        return out;
    }
    if (!o.is_object()) {
        out.error = "not a JSON object";
        return out;
    }
    const long long v = readInt(o, "v", -1);
    if (v < 1) {
        out.error = "missing or invalid protocol version \"v\"";
        return out;
    }
    const std::string type = readString(o, "type");
    if (type.empty()) {
        out.error = "missing \"type\"";
        return out;
    }
    if (type == "hello") {
        HelloEvent h;
        h.rank = static_cast<int>(readInt(o, "rank"));
        h.world = static_cast<int>(readInt(o, "world", 1));
        h.pid = readInt(o, "pid");
        h.version = readString(o, "version");
        h.runDir = readString(o, "run_dir");
        if (auto it = o.find("config"); it != o.end() && it->is_object()) h.config = *it;
        out.event = h;
    } else if (type == "step") {
        StepEvent s;
        s.epoch = static_cast<int>(readInt(o, "epoch"));
        s.step = readInt(o, "step");
        s.t = readNumber(o, "t");
        s.lr = readNumber(o, "lr");
        s.loss = readNumberMap(o, "loss");
        s.imgsPerS = readNumber(o, "imgs_per_s");
        s.dataWaitMs = readNumber(o, "data_wait_ms");
        s.stepMs = readNumber(o, "step_ms");
        s.rank = static_cast<int>(readInt(o, "rank"));
        s.stepsPerEpoch = readInt(o, "steps_per_epoch");
        s.host = readString(o, "host");
        s.gpu = static_cast<int>(readInt(o, "gpu", -1));
        out.event = s;
    } else if (type == "gpu") {
        GpuEvent g;
        g.t = readNumber(o, "t");
        g.host = readString(o, "host");
        if (auto it = o.find("gpus"); it != o.end() && it->is_array()) {
            for (const auto& gj : *it) {
                if (!gj.is_object()) continue;
                GpuSample s;
                s.index = static_cast<int>(readInt(gj, "index"));
                s.name = readString(gj, "name");
                s.util = readNumber(gj, "util");
                s.memUsedMb = readNumber(gj, "mem_used_mb");
                s.memTotalMb = readNumber(gj, "mem_total_mb");
                s.tempC = readNumber(gj, "temp_c");
                s.powerW = readNumber(gj, "power_w");
                g.gpus.push_back(s);
            }
        }
        out.event = g;
    } else if (type == "eval") {
        EvalEvent ev;
        ev.epoch = static_cast<int>(readInt(o, "epoch"));
        ev.ema = readBool(o, "ema");
        ev.map5095 = readNumber(o, "map50_95");
        ev.map50 = readNumber(o, "map50");
        if (auto it = o.find("stats"); it != o.end() && it->is_array()) {
            for (const auto& x : *it) ev.stats.push_back(x.is_number() ? x.get<double>() : kNaN);
        }
        ev.perClass = readNumberMap(o, "per_class");
        ev.loss = readNumberMap(o, "loss");
        out.event = ev;
    } else if (type == "checkpoint") {
        CheckpointEvent c;
        c.epoch = static_cast<int>(readInt(o, "epoch"));
        c.step = readInt(o, "step");
        c.path = readString(o, "path");
        c.hasEma = readBool(o, "has_ema");
        c.kind = readString(o, "kind", "last");
        out.event = c;
    } else if (type == "error") {
        ErrorEvent er;
        er.rank = static_cast<int>(readInt(o, "rank"));
        er.message = readString(o, "message");
        er.hint = readString(o, "hint");
        er.code = readString(o, "code");
        if (auto it = o.find("details"); it != o.end()) er.details = *it;
        out.event = er;
    } else if (type == "done") {
        DoneEvent d;
        d.status = readString(o, "status", "finished");
        d.exitCode = static_cast<int>(readInt(o, "exit_code"));
        out.event = d;
    } else if (type == "progress") {
        ProgressEvent p;
        p.stage = readString(o, "stage");
        p.item = readString(o, "item");
        p.done = readNumber(o, "done");
        p.total = readNumber(o, "total");
        p.ratePerS = readNumber(o, "rate_per_s");
        p.etaS = readNumber(o, "eta_s", -1);
        out.event = p;
    } else if (type == "log") {
        LogEvent l;
        l.level = readString(o, "level", "info");
        l.rank = static_cast<int>(readInt(o, "rank"));
        l.message = readString(o, "message");
        out.event = l;
    } else {
        out.event = UnknownEvent{type};
    }
    return out;
}

}  // namespace studio
