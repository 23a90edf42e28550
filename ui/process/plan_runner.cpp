#include "ui/process/plan_runner.h"

#include <QProcessEnvironment>
#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/config/config_fields.h"
#include "base/config/config_loader.h"
#include "base/util/atomic_file.h"
#include "ui/process/run_folder_plan.h"

namespace studio::ui {

namespace {
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

double num(const nlohmann::json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_number() ? it->get<double>() : 0.0;
}
QString str(const nlohmann::json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
}
}  // namespace

std::optional<PlanResult> parsePlanJson(const QByteArray& bytes, QString* error) {
    // The object may be pretty-printed; anything before its first '{' (stray output) is skipped.
    const int start = bytes.indexOf('{');
    const int end = bytes.lastIndexOf('}');
    if (start < 0 || end < start) {
        if (error) *error = QObject::tr("the trainer printed no JSON object");
        return std::nullopt;
    }
    const auto j = nlohmann::json::parse(bytes.constData() + start, bytes.constData() + end + 1, nullptr, false);
    if (!j.is_object() || !j.contains("peak_memory_bytes")) {
        if (error) *error = QObject::tr("the trainer's plan output is not the expected JSON object (no peak_memory_bytes)");
        return std::nullopt;
    }
    PlanResult p;
    p.device = str(j, "device");
    p.deviceName = str(j, "device_name");
    p.modelSize = str(j, "model_size");
    p.resolution = static_cast<int>(num(j, "resolution"));
    p.batchSize = static_cast<int>(num(j, "batch_size"));
    p.numGpus = std::max(1, static_cast<int>(num(j, "num_gpus")));
    p.peakMemoryBytes = num(j, "peak_memory_bytes");
    p.deviceMemoryBytes = num(j, "device_memory_bytes");
    p.imagesPerS = num(j, "images_per_s");
    if (const auto it = j.find("fits"); it != j.end() && it->is_boolean()) p.fits = it->get<bool>();
    if (const auto it = j.find("cached"); it != j.end() && it->is_boolean()) p.cached = it->get<bool>();
    if (const auto s = j.find("suggested"); s != j.end() && s->is_object()) {
        p.suggestedBatch = static_cast<int>(num(*s, "batch_size"));
        p.suggestedAccum = static_cast<int>(num(*s, "grad_accum_steps"));
    }
    return p;
}

QString planText(const PlanResult& p) {
    const bool gpu = p.device.startsWith(QLatin1String("cuda"));
    QString s = QObject::tr("Predicted peak %1 GiB").arg(p.peakMemoryBytes / kGiB, 0, 'f', 1);
    if (p.deviceMemoryBytes > 0) s += QObject::tr(" of %1 GiB").arg(p.deviceMemoryBytes / kGiB, 0, 'f', 1);
    s += gpu ? QObject::tr(" per GPU") : QObject::tr(" (CPU)");
    if (!p.deviceName.isEmpty()) s += QStringLiteral(" (%1)").arg(p.deviceName);
    if (p.imagesPerS > 0) {
        s += QObject::tr(" · %1 img/s").arg(p.imagesPerS, 0, 'f', 1);
        if (gpu && p.numGpus > 1) s += QObject::tr(" on %1 GPUs").arg(p.numGpus);
    }
    if (p.fits) {
        s += QObject::tr(" — fits");
    } else {
        s += QObject::tr(" — does NOT fit");
        if (p.suggestedBatch > 0)
            s += QObject::tr(": try batch %1 × accumulation %2").arg(p.suggestedBatch).arg(p.suggestedAccum);
    }
    if (p.cached) s += QObject::tr(" (cached probe)");
    return s;
}

PlanRunner::PlanRunner(TrainerProcessFactory factory, QObject* parent)
    : QObject(parent), m_runner(new CommandRunner(std::move(factory), this)) {
    connect(m_runner, &CommandRunner::finished, this, &PlanRunner::onFinished);
    connect(m_runner, &CommandRunner::failedToStart, this,
            [this](const QString& msg) { emit failed(tr("Could not start %1: %2").arg(m_trainer, msg)); });
}

PlanRunner::~PlanRunner() = default;

bool PlanRunner::run(const RunConfig& config, QString* error) {
    if (m_trainer.isEmpty()) {
        if (error) *error = tr("No usable rfdetr-train (Settings → Trainer).");
        return false;
    }
    m_runner->cancel();
    m_dir = std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid()) {
        if (error) *error = tr("Could not create a temporary folder: %1").arg(m_dir->errorString());
        return false;
    }
    RunConfig c = config;
    setResumeSetting(c, "");
    nlohmann::json j = runConfigToJson(c, false);
    for (const auto& f : configFields()) {
        if (f.secret) j.erase(f.key);
    }
    const QString path = m_dir->filePath(QStringLiteral("config.json"));
    try {
        writeFileAtomic(path.toStdString(), j.dump(2) + "\n");
    } catch (const std::exception& e) {
        if (error) *error = tr("Could not write %1: %2").arg(path, QString::fromStdString(e.what()));
        return false;
    }
    const QStringList args = {QStringLiteral("plan"), QStringLiteral("--config"), path, QStringLiteral("--json")};
    m_runner->start(makeTrainerLaunch(m_trainer, args, m_dir->path(), c, QProcessEnvironment::systemEnvironment()));
    return true;
}

void PlanRunner::onFinished(int code, bool crashed, const QByteArray& out, const QByteArray& err) {
    const QString errText = QString::fromUtf8(err).trimmed();
    if (crashed || code != 0) {
        const QString last = errText.section(QLatin1Char('\n'), -3);
        emit failed(crashed ? tr("rfdetr-train plan crashed. %1").arg(last)
                            : tr("rfdetr-train plan failed (exit %1): %2").arg(code).arg(last.isEmpty() ? tr("no message") : last));
        return;
    }
    QString why;
    if (auto p = parsePlanJson(out, &why)) {
        emit planned(*p);
        return;
    }
    emit failed(tr("rfdetr-train plan: %1").arg(why));
}

}  // namespace studio::ui
