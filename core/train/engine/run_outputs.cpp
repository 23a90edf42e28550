#include "train/engine/run_outputs.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>

#include "base/util/atomic_file.h"

namespace studio::train {

namespace {

nlohmann::json finiteOrNull(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

void addEval(nlohmann::json& line, const std::string& prefix, const EvalOutcome& e) {
    const std::size_t n = std::min(e.losses.size(), e.lossNames.size());
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double w = i < e.lossWeights.size() ? e.lossWeights[i] : 0.0;
        if (w != 0) {
            line[prefix + e.lossNames[i]] = finiteOrNull(e.losses[i] * w);
            total += e.losses[i] * w;
        }
        line[prefix + e.lossNames[i] + "_unscaled"] = finiteOrNull(e.losses[i]);
        if (e.lossNames[i] == "class_error") line[prefix + "class_error"] = finiteOrNull(e.losses[i]);
    }
    if (n > 0) line[prefix + "loss"] = finiteOrNull(total);
    nlohmann::json stats = nlohmann::json::array();
    for (double s : e.stats) stats.push_back(finiteOrNull(s));
    line[prefix + "coco_eval_bbox"] = stats;
    line[prefix + "results_json"] = e.resultsJson;
}

std::string nowText() {
    // Python's str(datetime.now()): "2026-11-26 23:40:12.123456".
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    char out[80];
    std::snprintf(out, sizeof out, "%s.%06lld", buf, static_cast<long long>(micros));
    return out;
}

std::string hostName() {
    char buf[256] = {0};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "";
    return buf;
}

}  // namespace

std::string durationText(double seconds) {
    long long s = seconds > 0 ? static_cast<long long>(seconds) : 0;
    const long long days = s / 86400;
    s %= 86400;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
    if (days == 0) return buf;
    return std::to_string(days) + (days == 1 ? " day, " : " days, ") + buf;
}

nlohmann::json logLine(const EpochRecord& r) {
    nlohmann::json line = nlohmann::json::object();
    for (const auto& [k, v] : r.train) line[k] = finiteOrNull(v);
    line["train_lr"] = r.lr;
    if (r.regular) addEval(line, "test_", *r.regular);
    if (r.ema) addEval(line, "ema_test_", *r.ema);
    line["epoch"] = r.epoch;
    line["n_parameters"] = r.nParameters;
    for (auto it = r.bestSummary.begin(); it != r.bestSummary.end(); ++it) line[it.key()] = it.value();
    line["now_time"] = nowText();
    line["train_epoch_time"] = durationText(r.trainSeconds);
    line["epoch_time"] = durationText(r.epochSeconds);
    return line;
}

RunOutputs::RunOutputs(RunFolder folder, bool enabled, bool tensorboard)
    : m_folder(std::move(folder)), m_enabled(enabled) {
    if (m_enabled && tensorboard) m_tb = std::make_unique<TfEventsWriter>(m_folder.tbDir());
}

void RunOutputs::recordEpoch(const EpochRecord& r) {
    if (!m_enabled) return;
    std::string text;
    try {
        text = readFile(m_folder.logTxt());
    } catch (const std::exception&) {
        text.clear();  // first epoch
    }
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += logLine(r).dump() + "\n";
    writeFileAtomic(m_folder.logTxt(), text);
    if (!m_tb) return;
    if (auto it = r.train.find("train_loss"); it != r.train.end()) m_tb->scalar("Loss/Train", it->second, r.epoch);
    auto metrics = [&](const char* tag, const EvalOutcome& e) {
        const std::string base = std::string("Metrics/") + tag + "/";
        m_tb->scalar(base + "AP50_90", e.stats[0], r.epoch);
        m_tb->scalar(base + "AP50", e.stats[1], r.epoch);
        m_tb->scalar(base + "AR50_90", e.stats[8], r.epoch);
    };
    if (r.regular) {
        const nlohmann::json line = logLine(r);
        if (line.contains("test_loss") && line["test_loss"].is_number())
            m_tb->scalar("Loss/Test", line["test_loss"].get<double>(), r.epoch);
        metrics("Base", *r.regular);
    }
    if (r.ema) metrics("EMA", *r.ema);
    m_tb->flush();
}

void RunOutputs::recordStep(long long step, const std::map<std::string, double>& losses, double lr) {
    if (!m_enabled || !m_tb) return;
    for (const auto& [k, v] : losses) m_tb->scalar("Step/loss_" + k, v, step);
    m_tb->scalar("Step/lr", lr, step);
}

void RunOutputs::dropEpochsFrom(int epoch) {
    if (!m_enabled) return;
    std::string text;
    try {
        text = readFile(m_folder.logTxt());
    } catch (const std::exception&) {
        return;
    }
    std::istringstream in(text);
    std::string line, kept;
    bool dropped = false;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.contains("epoch") && j["epoch"].is_number_integer() && j["epoch"].get<int>() >= epoch) {
            dropped = true;
            continue;
        }
        if (!line.empty()) kept += line + "\n";
    }
    if (dropped) writeFileAtomic(m_folder.logTxt(), kept);
}

void RunOutputs::writeResults(const nlohmann::json& valid, const std::optional<nlohmann::json>& test) {
    if (!m_enabled) return;
    nlohmann::json results = valid.is_object() ? valid : nlohmann::json::object();
    nlohmann::json classMap = nlohmann::json::object();
    classMap["valid"] = valid.is_object() && valid.contains("class_map") ? valid["class_map"] : nlohmann::json::array();
    if (test && test->is_object() && test->contains("class_map")) classMap["test"] = (*test)["class_map"];
    results["class_map"] = classMap;
    writeFileAtomic(m_folder.resultsJson(), results.dump(2) + "\n");
}

void RunOutputs::flush() {
    if (m_tb) m_tb->flush();
}

void writeConfigJson(const RunFolder& folder, nlohmann::json config, const std::string& version, int worldSize) {
    config["studio_version"] = version;
    config["world_size"] = worldSize;
    config["host"] = hostName();
    writeFileAtomic(folder.configJson(), config.dump(2) + "\n");
}

}  // namespace studio::train
