#include "ui/config/run_config_model.h"

#include <QLocale>
#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/config/config_fields.h"
#include "base/config/model_sizes.h"
#include "base/config/validate.h"

namespace studio::ui {

QString problemText(const Problem& p) {
    QString s = QString::fromStdString(p.message);
    if (!p.fix.empty()) s += QStringLiteral(". Fix: ") + QString::fromStdString(p.fix);
    return s;
}

RunConfigModel::RunConfigModel(QObject* parent) : QObject(parent), m_config(defaultRunConfig()) {
    revalidate();
}

void RunConfigModel::setConfig(const RunConfig& config) {
    m_config = config;
    m_parseErrors.clear();
    revalidate();
    emit changed();
}

bool RunConfigModel::setFieldText(const QString& key, const QString& text) {
    const ConfigField* f = findFieldByKey(key.toStdString());
    if (!f) return false;  // not a setting of this version (e.g. a newer preset file): nothing changes
    std::string value = text.trimmed().toStdString();
    if (f->secret || f->type == FieldType::Path || f->type == FieldType::String) value = text.toStdString();
    if (key == QLatin1String("resolution") && value.empty()) value = "0";  // empty = the size's default
    if (key == QLatin1String("gpu_ids") && value.empty()) {
        m_config.gpuIds.clear();
        m_parseErrors.remove(key);
        revalidate();
        emit changed();
        return true;
    }
    RunConfig candidate = m_config;
    const auto err = f->setText(candidate, value);
    if (err) {
        m_parseErrors[key] = QString::fromStdString(*err);
        revalidate();
        return false;
    }
    m_parseErrors.remove(key);
    m_config = candidate;
    revalidate();
    emit changed();
    return true;
}

QString RunConfigModel::fieldText(const QString& key) const {
    if (key == QLatin1String("resolution"))
        return m_config.resolution == 0 ? QString() : QString::number(m_config.resolution);
    const ConfigField* f = findFieldByKey(key.toStdString());
    if (!f) return {};
    const nlohmann::json v = f->get(m_config);
    if (v.is_string()) return QString::fromStdString(v.get<std::string>());
    if (v.is_boolean()) return v.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.is_array()) {
        QStringList parts;
        for (const auto& e : v) parts << QString::fromStdString(e.dump());
        return parts.join(QLatin1Char(','));
    }
    if (v.is_number_float()) return QString::number(v.get<double>(), 'g', 12);
    return QString::fromStdString(v.dump());
}

void RunConfigModel::setExternalProblems(const QString& key, const std::vector<Problem>& problems) {
    if (problems.empty())
        m_external.remove(key);
    else
        m_external[key] = problems;
    revalidate();
}

void RunConfigModel::revalidate() {
    ValidationContext ctx;
    ctx.purpose = ValidationPurpose::Edit;
    std::vector<Problem> all;
    for (auto it = m_parseErrors.cbegin(); it != m_parseErrors.cend(); ++it) {
        all.push_back({Severity::Error, it.key().toStdString(), "", it.value().toStdString(),
                       "type a valid value"});
    }
    for (auto& p : validateRunConfig(m_config, Provenance{}, ctx)) {
        // A field whose text did not parse reports that; the stale value's problems would only confuse.
        if (!m_parseErrors.contains(QString::fromStdString(p.field))) all.push_back(std::move(p));
    }
    for (const auto& list : m_external) all.insert(all.end(), list.begin(), list.end());
    std::stable_sort(all.begin(), all.end(), [](const Problem& a, const Problem& b) {
        return a.severity == Severity::Error && b.severity != Severity::Error;
    });
    m_problems = std::move(all);
    emit problemsChanged();
}

QStringList RunConfigModel::problemsFor(const QString& key) const {
    QStringList out;
    const std::string k = key.toStdString();
    for (const auto& p : m_problems) {
        if (p.field == k) out << problemText(p);
    }
    return out;
}

bool RunConfigModel::hasErrors() const { return studio::hasErrors(m_problems); }

QStringList RunConfigModel::errorKeys() const {
    QStringList keys;
    for (const auto& p : m_problems) {
        const QString k = QString::fromStdString(p.field);
        if (p.severity == Severity::Error && !keys.contains(k)) keys << k;
    }
    return keys;
}

int RunConfigModel::worldSize() const { return processesPerNode(m_config); }

long long RunConfigModel::effectiveBatch() const { return effectiveBatchSize(m_config); }

QString RunConfigModel::effectiveBatchText() const {
    return tr("Effective batch = %1")
        .arg(QString::fromStdString(
            effectiveBatchFormula(m_config.batchSize, m_config.gradAccumSteps, worldSize())));
}

void RunConfigModel::setTrainImages(long long images) {
    if (images == m_trainImages) return;
    m_trainImages = images;
    emit changed();
}

long long RunConfigModel::stepsPerEpoch() const {
    return m_trainImages > 0 ? studio::stepsPerEpoch(m_trainImages, effectiveBatch()) : 0;
}

void RunConfigModel::setDatasetClasses(int classes, int logits) {
    if (classes == m_classes && logits == m_classLogits) return;
    m_classes = classes;
    m_classLogits = logits;
    emit changed();
}

QString RunConfigModel::modelSummaryText() const {
    const ModelSizeSpec& s = modelSizeSpec(m_config.modelSize);
    constexpr int kCocoLogits = 91;
    const int logits = m_classLogits >= 2 ? m_classLogits : kCocoLogits;
    const long long params = trainableParameters(m_config.modelSize, logits, m_config.numQueries, m_config.groupDetr);
    const QString classes = m_classLogits < 2 ? tr("COCO's 90 classes until the dataset is read")
                            : m_classes == 1  ? tr("1 class")
                                              : tr("%1 classes").arg(m_classes);
    return tr("RF-DETR %1 at %2 px · %3 decoder layers · %4 M parameters (%5, %6 queries × %7 groups)")
        .arg(QString::fromUtf8(s.name))
        .arg(resolvedResolution(m_config))
        .arg(s.decoderLayers)
        .arg(QLocale().toString(static_cast<double>(params) / 1e6, 'f', 1))
        .arg(classes)
        .arg(m_config.numQueries)
        .arg(m_config.groupDetr);
}

QString RunConfigModel::stepsPerEpochText() const {
    if (m_trainImages <= 0) return tr("Optimiser steps per epoch: known once the dataset is read");
    const QLocale loc;
    return tr("%1 optimiser steps per epoch (%2 training images)")
        .arg(loc.toString(stepsPerEpoch()), loc.toString(m_trainImages));
}

}  // namespace studio::ui
