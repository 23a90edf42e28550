#include "ui/compare/run_history.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QObject>
#include <cmath>
#include <map>
#include <set>

#include "base/events/events.h"

namespace studio::ui {

namespace {
nlohmann::json readJsonFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QByteArray b = f.readAll();
    auto j = nlohmann::json::parse(b.constData(), b.constData() + b.size(), nullptr, false);
    return j.is_object() ? j : nlohmann::json{};
}

/// A point per key: a later point with a key at or before the last one (a resumed run replaying from its
/// checkpoint) replaces the tail, as the live plots do.
void addPoint(RunCurve& c, double x, double y) {
    while (!c.x.isEmpty() && x <= c.x.back()) {
        c.x.removeLast();
        c.y.removeLast();
    }
    c.x.push_back(x);
    c.y.push_back(std::isfinite(y) ? y : std::nan(""));
}

void readEvents(QFile& f, RunHistory& h) {
    nlohmann::json hello;
    while (!f.atEnd()) {
        const QByteArray line = f.readLine().trimmed();
        if (line.isEmpty()) continue;
        const ParsedEvent p = parseEventLine(std::string_view(line.constData(), static_cast<size_t>(line.size())));
        if (!p.event) {
            ++h.malformedLines;
            continue;
        }
        if (const auto* st = std::get_if<StepEvent>(&*p.event)) {
            const auto it = st->loss.find("total");
            if (st->rank != 0 || it == st->loss.end()) continue;
            const double x = st->stepsPerEpoch > 0 ? static_cast<double>(st->step) / static_cast<double>(st->stepsPerEpoch)
                                                   : static_cast<double>(st->epoch);
            addPoint(h.loss, x, it->second);
        } else if (const auto* ev = std::get_if<EvalEvent>(&*p.event)) {
            addPoint(ev->ema ? h.emaMap : h.map, ev->epoch + 1, ev->map5095);
        } else if (const auto* he = std::get_if<HelloEvent>(&*p.event)) {
            if (he->rank == 0 && he->config.is_object()) hello = he->config;
        }
    }
    if (h.config.empty() && hello.is_object()) h.config = hello;
}

double firstStat(const nlohmann::json& line, const char* key) {
    const auto it = line.find(key);
    if (it == line.end() || !it->is_array() || it->empty() || !(*it)[0].is_number()) return std::nan("");
    return (*it)[0].get<double>();
}

void readLogTxt(QFile& f, RunHistory& h) {
    while (!f.atEnd()) {
        const QByteArray line = f.readLine().trimmed();
        if (line.isEmpty()) continue;
        const auto j = nlohmann::json::parse(line.constData(), line.constData() + line.size(), nullptr, false);
        if (!j.is_object() || !j.contains("epoch") || !j["epoch"].is_number()) {
            ++h.malformedLines;
            continue;
        }
        const double epoch = j["epoch"].get<double>() + 1;
        if (const auto it = j.find("train_loss"); it != j.end() && it->is_number()) addPoint(h.loss, epoch, it->get<double>());
        if (const double m = firstStat(j, "test_coco_eval_bbox"); !std::isnan(m)) addPoint(h.map, epoch, m);
        if (const double m = firstStat(j, "ema_test_coco_eval_bbox"); !std::isnan(m)) addPoint(h.emaMap, epoch, m);
    }
}

QString valueText(const nlohmann::json& v) {
    if (v.is_null()) return {};
    if (v.is_string()) return QString::fromStdString(v.get<std::string>());
    return QString::fromStdString(v.dump());
}
}  // namespace

RunHistory loadRunHistory(const QString& dir) {
    RunHistory h;
    h.dir = QDir(dir).absolutePath();
    h.name = QFileInfo(h.dir).fileName();
    if (!QFileInfo(h.dir).isDir()) {
        h.error = QObject::tr("%1 is not a folder").arg(h.dir);
        return h;
    }
    h.config = readJsonFile(QDir(h.dir).filePath(QStringLiteral("config.json")));
    QFile events(QDir(h.dir).filePath(QStringLiteral("events.jsonl")));
    QFile log(QDir(h.dir).filePath(QStringLiteral("log.txt")));
    if (events.open(QIODevice::ReadOnly)) {
        h.source = QStringLiteral("events.jsonl");
        readEvents(events, h);
    }
    if (h.loss.x.isEmpty() && h.map.x.isEmpty() && log.open(QIODevice::ReadOnly)) {
        h.source = QStringLiteral("log.txt");
        readLogTxt(log, h);
    }
    if (h.source.isEmpty())
        h.error = QObject::tr("%1 holds neither events.jsonl nor log.txt: not a run folder, or it never started").arg(h.dir);
    return h;
}

std::vector<ConfigRow> compareConfigs(const std::vector<RunHistory>& runs) {
    std::set<std::string> keys;
    for (const auto& r : runs) {
        if (!r.config.is_object()) continue;
        for (auto it = r.config.begin(); it != r.config.end(); ++it) keys.insert(it.key());
    }
    std::vector<ConfigRow> rows;
    for (const std::string& k : keys) {
        ConfigRow row;
        row.key = QString::fromStdString(k);
        for (const auto& r : runs) {
            const auto it = r.config.is_object() ? r.config.find(k) : r.config.end();
            row.values << (r.config.is_object() && it != r.config.end() ? valueText(*it) : QString());
        }
        const bool always = k == "output_dir" || k == "resume";
        for (const QString& v : row.values) row.differs |= !always && v != row.values.front();
        rows.push_back(row);
    }
    return rows;
}

}  // namespace studio::ui
