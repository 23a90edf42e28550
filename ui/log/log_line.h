#pragma once
// One line of the log pane and the level parser for the trainer's stderr (spdlog's "[12:00:01] [warning] …",
// "rfdetr-train: error: …", Python-style "WARNING: …").
#include <QMetaType>
#include <QString>

namespace studio::ui {

enum class LogLevel { Trace, Debug, Info, Warning, Error };

struct LogLine {
    double time = 0;            // unix seconds when the Studio received it
    LogLevel level = LogLevel::Info;
    QString source;             // "trainer" (stderr), "stdout" (non-event output), "event", "studio"
    QString text;
};

/// Level of a stderr line; lines without a marker are Info. ANSI colour codes are ignored.
LogLevel parseLogLevel(const QString& line);
/// The line without ANSI escape sequences.
QString stripAnsi(const QString& line);
/// "warning" etc.; and back (unknown text -> Info).
QString levelName(LogLevel level);
LogLevel levelFromName(const QString& name);

}  // namespace studio::ui

Q_DECLARE_METATYPE(studio::ui::LogLine)
