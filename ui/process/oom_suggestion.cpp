#include "ui/process/oom_suggestion.h"

#include <QObject>
#include <algorithm>
#include <cstdint>
#include <optional>

#include "base/run/oom_advice.h"

namespace studio::ui {

namespace {
template <class T>
T number(const nlohmann::json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_number() ? it->get<T>() : T{};
}
QString text(const nlohmann::json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
}
QString split(int batch, int accum, int gpus) {
    QString s = QStringLiteral("%1 × %2").arg(batch).arg(accum);
    if (gpus > 0) s += QStringLiteral(" × %1").arg(gpus);
    return s;
}
}  // namespace

std::optional<OomSuggestion> oomSuggestionFrom(const Event& event) {
    const auto* e = std::get_if<ErrorEvent>(&event);
    if (!e || e->code != "oom") return std::nullopt;
    OomSuggestion a;
    a.message = QString::fromStdString(e->message);
    const nlohmann::json& d = e->details;
    if (!d.is_object()) return a;
    a.batchSize = number<int>(d, "batch_size");
    a.gradAccumSteps = number<int>(d, "grad_accum_steps");
    a.numGpus = number<int>(d, "num_gpus");
    a.effectiveBatch = number<long long>(d, "effective_batch");
    if (const auto s = d.find("suggested"); s != d.end() && s->is_object()) {
        a.suggestedBatch = number<int>(*s, "batch_size");
        a.suggestedAccum = number<int>(*s, "grad_accum_steps");
    }
    a.device = text(d, "device");
    a.usedBytes = number<double>(d, "used_bytes");
    a.totalBytes = number<double>(d, "total_bytes");
    a.command = text(d, "command");
    a.env = text(d, "env");
    return a;
}

QString oomSuggestionText(const OomSuggestion& a) {
    if (a.batchSize <= 0) return a.message.isEmpty() ? QObject::tr("The run ran out of memory.") : a.message;
    const int gpus = a.numGpus > 1 ? a.numGpus : 0;
    const long long eff = a.effectiveBatch > 0 ? a.effectiveBatch
                                               : static_cast<long long>(a.batchSize) * std::max(1, a.gradAccumSteps) * std::max(1, a.numGpus);
    QString s = QObject::tr("Batch %1 = %2 ran out of memory").arg(split(a.batchSize, std::max(1, a.gradAccumSteps), gpus)).arg(eff);
    std::optional<std::uint64_t> used, total;  // JSON numbers; known when the total is
    if (a.totalBytes > 0) {
        used = static_cast<std::uint64_t>(std::max(0.0, a.usedBytes));
        total = static_cast<std::uint64_t>(a.totalBytes);
    }
    s += QString::fromStdString(outOfMemoryWhere(a.device.toStdString(), used, total));
    if (a.hasSuggestion()) {
        const long long neff = static_cast<long long>(a.suggestedBatch) * a.suggestedAccum * std::max(1, a.numGpus);
        s += QObject::tr("; try %1 = %2").arg(split(a.suggestedBatch, a.suggestedAccum, gpus)).arg(neff);
        if (neff == eff) s += QObject::tr(" (same effective batch)");
    } else {
        s += QObject::tr("; batch 1 per GPU already: use a smaller model size or resolution");
    }
    return s + QLatin1Char('.');
}

}  // namespace studio::ui
