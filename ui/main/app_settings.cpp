#include "ui/main/app_settings.h"

#include <QDir>

#include <nlohmann/json.hpp>

#include "base/config/config_fields.h"
#include "base/config/config_loader.h"

namespace studio::ui {

AppSettings::AppSettings() : m_settings() {}

QString AppSettings::trainerPath() const { return m_settings.value(QStringLiteral("trainer/path")).toString(); }
void AppSettings::setTrainerPath(const QString& path) { m_settings.setValue(QStringLiteral("trainer/path"), path); }
int AppSettings::stopGraceS() const { return qMax(5, m_settings.value(QStringLiteral("trainer/stopGraceS"), 180).toInt()); }
void AppSettings::setStopGraceS(int s) { m_settings.setValue(QStringLiteral("trainer/stopGraceS"), s); }

std::optional<RunConfig> AppSettings::lastConfig() const {
    const QByteArray text = m_settings.value(QStringLiteral("config/last")).toByteArray();
    if (text.isEmpty()) return std::nullopt;
    const nlohmann::json j = nlohmann::json::parse(text.constData(), text.constData() + text.size(), nullptr, false);
    if (!j.is_object()) return std::nullopt;
    // Lenient: keys of other versions are skipped, bad values fall back to defaults.
    LoadedConfig loaded = runConfigFromJson(j, true);
    return loaded.config;
}

void AppSettings::setLastConfig(const RunConfig& config) {
    nlohmann::json j = runConfigToJson(config, false);
    for (const auto& f : configFields()) {
        if (f.secret) j.erase(f.key);
    }
    m_settings.setValue(QStringLiteral("config/last"), QByteArray::fromStdString(j.dump()));
}

QStringList AppSettings::recentRuns() const { return m_settings.value(QStringLiteral("runs/recent")).toStringList(); }

void AppSettings::addRecentRun(const QString& dir) {
    const QString clean = QDir::cleanPath(dir);
    QStringList list = recentRuns();
    list.removeAll(clean);
    list.prepend(clean);
    while (list.size() > kMaxRecent) list.removeLast();
    m_settings.setValue(QStringLiteral("runs/recent"), list);
}

void AppSettings::removeRecentRun(const QString& dir) {
    QStringList list = recentRuns();
    list.removeAll(QDir::cleanPath(dir));
    m_settings.setValue(QStringLiteral("runs/recent"), list);
}

QByteArray AppSettings::windowGeometry() const { return m_settings.value(QStringLiteral("window/geometry")).toByteArray(); }
void AppSettings::setWindowGeometry(const QByteArray& g) { m_settings.setValue(QStringLiteral("window/geometry"), g); }
QByteArray AppSettings::windowState() const { return m_settings.value(QStringLiteral("window/state")).toByteArray(); }
void AppSettings::setWindowState(const QByteArray& s) { m_settings.setValue(QStringLiteral("window/state"), s); }
QByteArray AppSettings::splitterState(const QString& name) const {
    return m_settings.value(QStringLiteral("window/splitter_") + name).toByteArray();
}
void AppSettings::setSplitterState(const QString& name, const QByteArray& s) {
    m_settings.setValue(QStringLiteral("window/splitter_") + name, s);
}
QString AppSettings::logLevel() const { return m_settings.value(QStringLiteral("log/level"), QStringLiteral("info")).toString(); }
void AppSettings::setLogLevel(const QString& level) { m_settings.setValue(QStringLiteral("log/level"), level); }
bool AppSettings::advancedExpanded() const { return m_settings.value(QStringLiteral("config/advanced"), false).toBool(); }
void AppSettings::setAdvancedExpanded(bool on) { m_settings.setValue(QStringLiteral("config/advanced"), on); }

}  // namespace studio::ui
