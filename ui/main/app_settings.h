#pragma once
// Everything the Studio remembers between sessions, behind typed accessors (no QSettings strings scattered
// through widgets). QSettings in AppConfigLocation; tests enable QStandardPaths test mode first.
#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>
#include <optional>

#include "base/config/run_config.h"

namespace studio::ui {

class AppSettings {
public:
    AppSettings();

    QString trainerPath() const;          // "" = locate automatically
    void setTrainerPath(const QString& path);
    int stopGraceS() const;               // seconds before "kill now" is offered
    void setStopGraceS(int seconds);

    /// The form as it was left (secrets are never stored); nullopt on first start or when unreadable.
    std::optional<RunConfig> lastConfig() const;
    void setLastConfig(const RunConfig& config);

    QStringList recentRuns() const;       // most recent first, at most kMaxRecent
    void addRecentRun(const QString& dir);
    void removeRecentRun(const QString& dir);

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& g);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& s);
    QByteArray splitterState(const QString& name) const;
    void setSplitterState(const QString& name, const QByteArray& s);
    QString logLevel() const;
    void setLogLevel(const QString& level);
    bool advancedExpanded() const;
    void setAdvancedExpanded(bool on);

    void sync() { m_settings.sync(); }
    static constexpr int kMaxRecent = 20;

private:
    mutable QSettings m_settings;
};

}  // namespace studio::ui
