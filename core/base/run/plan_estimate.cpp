#include "base/run/plan_estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/util/atomic_file.h"

namespace studio {

namespace {

constexpr int kProbeFormat = 3;  // bump when the probe measures differently: older cache files are ignored

std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace

nlohmann::json ProbeKey::toJson() const {
    return {{"device_name", deviceName}, {"model_size", modelSize}, {"resolution", resolution},
            {"num_queries", numQueries}, {"group_detr", groupDetr},  {"amp", amp},
            {"ema", ema},                {"format", kProbeFormat}};
}

std::string ProbeKey::fileName() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016llx.json", static_cast<unsigned long long>(fnv1a(toJson().dump())));
    return buf;
}

double extrapolate(const std::vector<std::pair<double, double>>& xy, double x) {
    if (xy.empty()) return 0.0;
    if (xy.size() == 1) return xy[0].first > 0 ? xy[0].second * x / xy[0].first : xy[0].second;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& [a, b] : xy) {
        sx += a;
        sy += b;
        sxx += a * a;
        sxy += a * b;
    }
    const double n = static_cast<double>(xy.size());
    const double den = n * sxx - sx * sx;
    if (std::abs(den) < 1e-12) return sy / n;
    const double slope = (n * sxy - sx * sy) / den;
    const double intercept = (sy - slope * sx) / n;
    return intercept + slope * x;
}

std::uint64_t predictPeakBytes(const ProbeResult& probe, int batch) {
    // The forward peak (saved activations) is linear in the batch from one image on; the backward peak is not
    // at small batches (a fixed transient dominates until the activations outgrow it), so both lines count.
    std::vector<std::pair<double, double>> fwd, fb;
    double update = 0, measured = 0;
    for (const auto& p : probe.points) {
        if (p.forwardBytes) fwd.emplace_back(p.batch, static_cast<double>(p.forwardBytes));
        fb.emplace_back(p.batch, static_cast<double>(p.forwardBackwardBytes ? p.forwardBackwardBytes : p.peakBytes));
        update = std::max(update, static_cast<double>(p.updateBytes));
        // Memory never shrinks with the batch: nothing below a peak measured at a smaller batch.
        if (p.batch <= batch) measured = std::max(measured, static_cast<double>(p.peakBytes));
    }
    return static_cast<std::uint64_t>(
        std::max({0.0, extrapolate(fwd, batch), extrapolate(fb, batch), update, measured}));
}

PlanEstimate estimatePlan(const ProbeResult& probe, int batchSize, int gradAccumSteps, int devices,
                          std::uint64_t deviceMemoryBytes, double usableFraction) {
    PlanEstimate e;
    std::vector<std::pair<double, double>> time;
    for (const auto& p : probe.points) time.emplace_back(p.batch, p.stepSeconds);
    const auto peakAt = [&](int b) { return predictPeakBytes(probe, b); };
    e.peakBytes = peakAt(batchSize);
    double seconds = extrapolate(time, batchSize);
    if (!(seconds > 0) && !probe.points.empty()) {
        const ProbePoint& last = probe.points.back();
        seconds = last.stepSeconds * batchSize / std::max(1, last.batch);
    }
    e.imagesPerSecondPerDevice = seconds > 0 ? batchSize / seconds : 0.0;
    e.imagesPerSecond = e.imagesPerSecondPerDevice * std::max(1, devices);
    e.usableBytes = static_cast<std::uint64_t>(static_cast<double>(deviceMemoryBytes) * usableFraction);
    const auto fitsAt = [&](int b) {
        if (probe.outOfMemoryBatch > 0 && b >= probe.outOfMemoryBatch) return false;
        return deviceMemoryBytes == 0 || peakAt(b) <= e.usableBytes;
    };
    e.fits = fitsAt(batchSize);
    if (!e.fits) {
        BatchSplit s{batchSize, gradAccumSteps};
        while (auto next = smallerSplit(s.batchSize, s.gradAccumSteps)) {
            s = *next;
            if (fitsAt(s.batchSize)) {
                e.suggested = s;
                break;
            }
        }
    }
    return e;
}

nlohmann::json probeToJson(const ProbeResult& probe) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& p : probe.points)
        points.push_back({{"batch", p.batch},
                          {"peak_bytes", p.peakBytes},
                          {"forward_bytes", p.forwardBytes},
                          {"forward_backward_bytes", p.forwardBackwardBytes},
                          {"update_bytes", p.updateBytes},
                          {"step_s", p.stepSeconds}});
    nlohmann::json j = {{"points", points}, {"resolution", probe.resolution}, {"seconds", probe.seconds}};
    if (probe.outOfMemoryBatch > 0) j["out_of_memory_batch"] = probe.outOfMemoryBatch;
    return j;
}

std::optional<ProbeResult> probeFromJson(const nlohmann::json& j) {
    try {
        ProbeResult r;
        for (const auto& p : j.at("points"))
            r.points.push_back({p.at("batch").get<int>(), p.at("peak_bytes").get<std::uint64_t>(),
                                p.value("forward_bytes", std::uint64_t(0)),
                                p.value("forward_backward_bytes", std::uint64_t(0)),
                                p.value("update_bytes", std::uint64_t(0)), p.at("step_s").get<double>()});
        r.resolution = j.value("resolution", 0);
        r.seconds = j.value("seconds", 0.0);
        r.outOfMemoryBatch = j.value("out_of_memory_batch", 0);
        if (r.points.empty() && r.outOfMemoryBatch == 0) return std::nullopt;
        return r;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

std::optional<ProbeResult> loadCachedProbe(const std::string& cacheDir, const ProbeKey& key) {
    std::ifstream in(cacheDir + "/plan/" + key.fileName());
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (!j.is_object() || j.value("key", nlohmann::json()) != key.toJson()) return std::nullopt;
    return probeFromJson(j.value("probe", nlohmann::json()));
}

void storeCachedProbe(const std::string& cacheDir, const ProbeKey& key, const ProbeResult& probe) {
    const std::string dir = cacheDir + "/plan";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create " + dir + ": " + ec.message());
    writeFileAtomic(dir + "/" + key.fileName(), nlohmann::json{{"key", key.toJson()}, {"probe", probeToJson(probe)}}.dump(2) + "\n");
}

}  // namespace studio
