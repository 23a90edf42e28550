#include "ui/config/presets.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>

#include "base/util/atomic_file.h"
#include "ui/config/run_config_model.h"

namespace studio::ui {

namespace {

QString jsonValueText(const QJsonValue& v) {
    if (v.isString()) return v.toString();
    if (v.isBool()) return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.isDouble()) return QString::number(v.toDouble(), 'g', 15);
    if (v.isArray()) {
        QStringList parts;
        for (const auto& e : v.toArray()) parts << jsonValueText(e);
        return parts.join(QLatin1Char(','));
    }
    return {};
}

// The batch/hardware settings a hardware preset is about.
const char* const kPresetKeys[] = {"num_gpus", "batch_size", "grad_accum_steps", "device", "model_size"};

}  // namespace

QList<Preset> parsePresets(const QByteArray& json, const QString& source, bool builtIn, QString* error) {
    QList<Preset> out;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError) {
        if (error) *error = QObject::tr("%1: not valid JSON at byte %2 (%3)").arg(source).arg(pe.offset).arg(pe.errorString());
        return out;
    }
    const QJsonArray list = doc.object().value(QStringLiteral("presets")).toArray();
    if (!doc.isObject() || !doc.object().value(QStringLiteral("presets")).isArray()) {
        if (error) *error = QObject::tr("%1: expected an object with a \"presets\" list").arg(source);
        return out;
    }
    QStringList problems;
    for (int i = 0; i < list.size(); ++i) {
        const QJsonObject o = list.at(i).toObject();
        Preset p;
        p.name = o.value(QStringLiteral("name")).toString();
        p.id = o.value(QStringLiteral("id")).toString(p.name);
        p.description = o.value(QStringLiteral("description")).toString();
        p.values = o.value(QStringLiteral("config")).toObject();
        p.builtIn = builtIn;
        if (p.name.isEmpty() || p.values.isEmpty()) {
            problems << QObject::tr("preset %1 has no name or no \"config\" values").arg(i + 1);
            continue;
        }
        out << p;
    }
    if (error) *error = problems.isEmpty() ? QString() : source + QStringLiteral(": ") + problems.join(QStringLiteral("; "));
    return out;
}

QByteArray serializePresets(const QList<Preset>& presets) {
    QJsonArray list;
    for (const auto& p : presets) {
        if (p.builtIn) continue;
        list.append(QJsonObject{{QStringLiteral("id"), p.id},
                                {QStringLiteral("name"), p.name},
                                {QStringLiteral("description"), p.description},
                                {QStringLiteral("config"), p.values}});
    }
    const QJsonObject root{{QStringLiteral("format"), QStringLiteral("rfdetr-studio-presets")},
                           {QStringLiteral("version"), 1},
                           {QStringLiteral("presets"), list}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

QStringList applyPreset(const Preset& preset, RunConfigModel& model) {
    QStringList rejected;
    for (auto it = preset.values.begin(); it != preset.values.end(); ++it) {
        if (!model.setFieldText(it.key(), jsonValueText(it.value()))) rejected << it.key();
    }
    // A GPU-count preset means those GPUs, not a stale explicit list.
    if (preset.values.contains(QStringLiteral("num_gpus")) && !preset.values.contains(QStringLiteral("gpu_ids")))
        model.setFieldText(QStringLiteral("gpu_ids"), QString());
    return rejected;
}

Preset presetFromModel(const QString& name, const RunConfigModel& model) {
    Preset p;
    p.name = name;
    p.id = name;
    for (const char* key : kPresetKeys) {
        const QString k = QString::fromLatin1(key);
        const QString text = model.fieldText(k);
        bool isInt = false;
        const int n = text.toInt(&isInt);
        p.values.insert(k, isInt ? QJsonValue(n) : QJsonValue(text));
    }
    p.description = model.effectiveBatchText();
    return p;
}

QString defaultUserPresetsFile() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/presets.json");
}

PresetListModel::PresetListModel(QObject* parent) : QAbstractListModel(parent) {}

bool PresetListModel::load(const QString& userFile) {
    beginResetModel();
    m_presets.clear();
    m_lastError.clear();
    m_userFile = userFile.isEmpty() ? defaultUserPresetsFile() : userFile;
    QStringList errors;
    QFile builtIn(QStringLiteral(":/presets.json"));
    if (builtIn.open(QIODevice::ReadOnly)) {
        QString err;
        m_presets += parsePresets(builtIn.readAll(), QStringLiteral("presets.json (built in)"), true, &err);
        if (!err.isEmpty()) errors << err;
    } else {
        errors << tr("the built-in presets are missing from this build");
    }
    QFile user(m_userFile);
    if (user.exists()) {
        if (user.open(QIODevice::ReadOnly)) {
            QString err;
            m_presets += parsePresets(user.readAll(), m_userFile, false, &err);
            if (!err.isEmpty()) errors << err + tr(" (fix or delete the file; saving a preset rewrites it)");
        } else {
            errors << tr("%1: cannot be read (%2)").arg(m_userFile, user.errorString());
        }
    }
    endResetModel();
    m_lastError = errors.join(QLatin1Char('\n'));
    return errors.isEmpty();
}

bool PresetListModel::saveUserPreset(const Preset& preset) {
    Preset p = preset;
    p.builtIn = false;
    for (int i = 0; i < m_presets.size(); ++i) {
        if (!m_presets[i].builtIn && m_presets[i].name == p.name) {
            m_presets[i] = p;
            emit dataChanged(index(i), index(i));
            return writeUserFile();
        }
    }
    beginInsertRows({}, m_presets.size(), m_presets.size());
    m_presets << p;
    endInsertRows();
    return writeUserFile();
}

bool PresetListModel::removeUserPreset(int row) {
    if (row < 0 || row >= m_presets.size() || m_presets[row].builtIn) return false;
    beginRemoveRows({}, row, row);
    m_presets.removeAt(row);
    endRemoveRows();
    return writeUserFile();
}

bool PresetListModel::writeUserFile() {
    try {
        QDir().mkpath(QFileInfo(m_userFile).absolutePath());
        writeFileAtomic(m_userFile.toStdString(), serializePresets(m_presets).toStdString());
        m_lastError.clear();
        return true;
    } catch (const std::exception& e) {
        m_lastError = tr("Could not save presets: %1").arg(QString::fromStdString(e.what()));
        return false;
    }
}

int PresetListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_presets.size());
}

QVariant PresetListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const Preset& p = m_presets.at(index.row());
    switch (role) {
        case Qt::DisplayRole: return p.name;
        case Qt::ToolTipRole: return p.description;
        case BuiltInRole: return p.builtIn;
        case IdRole: return p.id;
        default: return {};
    }
}

}  // namespace studio::ui
