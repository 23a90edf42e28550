#pragma once
// Presets: named sets of config values applied in one click. The guide's recommended hardware setups ship
// in resources/presets.json (":/presets.json"); users save their own to AppDataLocation/presets.json.
// A preset's "config" object uses the field table's JSON keys, so any setting can be part of one.
#include <QAbstractListModel>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace studio::ui {

class RunConfigModel;

struct Preset {
    QString id;
    QString name;          // "4× H100 80GB"
    QString description;
    QJsonObject values;    // field key -> value, e.g. {"batch_size": 16, "num_gpus": 4}
    bool builtIn = false;
};

/// Parses a presets file; on a malformed file returns what could be read and sets `error`
/// ("presets.json: preset 2 has no name"). `source` names the file in messages.
QList<Preset> parsePresets(const QByteArray& json, const QString& source, bool builtIn, QString* error);
/// Serialises user presets (built-in ones are skipped).
QByteArray serializePresets(const QList<Preset>& presets);

/// Applies every value of `preset` to `model` through the field table; returns the keys that were
/// rejected (unknown or invalid), empty on success. GUI thread.
QStringList applyPreset(const Preset& preset, RunConfigModel& model);
/// A user preset capturing the batch/hardware values of `model` under `name`.
Preset presetFromModel(const QString& name, const RunConfigModel& model);

/// Built-in and user presets as a list (DisplayRole name, ToolTipRole description).
class PresetListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { BuiltInRole = Qt::UserRole + 1, IdRole };
    explicit PresetListModel(QObject* parent = nullptr);

    /// Loads ":/presets.json" and `userFile` ("" = AppDataLocation/presets.json). Returns false and sets
    /// lastError() when a file is malformed (the readable presets are still listed).
    bool load(const QString& userFile = {});
    /// Adds or replaces (same name) a user preset and writes the user file atomically. GUI thread.
    bool saveUserPreset(const Preset& preset);
    /// Removes a user preset (built-in ones cannot be removed) and rewrites the user file.
    bool removeUserPreset(int row);

    const Preset& preset(int row) const { return m_presets.at(row); }
    int count() const { return static_cast<int>(m_presets.size()); }
    QString userFile() const { return m_userFile; }
    QString lastError() const { return m_lastError; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

private:
    bool writeUserFile();

    QList<Preset> m_presets;
    QString m_userFile;
    QString m_lastError;
};

/// AppDataLocation/presets.json.
QString defaultUserPresetsFile();

}  // namespace studio::ui
