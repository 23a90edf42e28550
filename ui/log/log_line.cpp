#include "ui/log/log_line.h"

#include <QRegularExpression>

namespace studio::ui {

QString stripAnsi(const QString& line) {
    static const QRegularExpression ansi(QStringLiteral("\x1B\\[[0-9;]*[A-Za-z]"));
    if (!line.contains(QChar(0x1B))) return line;
    QString s = line;
    return s.remove(ansi);
}

LogLevel levelFromName(const QString& name) {
    const QString n = name.trimmed().toLower();
    if (n == QLatin1String("trace")) return LogLevel::Trace;
    if (n == QLatin1String("debug")) return LogLevel::Debug;
    if (n == QLatin1String("warn") || n == QLatin1String("warning")) return LogLevel::Warning;
    if (n == QLatin1String("error") || n == QLatin1String("err") || n == QLatin1String("critical") ||
        n == QLatin1String("fatal"))
        return LogLevel::Error;
    return LogLevel::Info;
}

QString levelName(LogLevel level) {
    switch (level) {
        case LogLevel::Trace: return QStringLiteral("trace");
        case LogLevel::Debug: return QStringLiteral("debug");
        case LogLevel::Info: return QStringLiteral("info");
        case LogLevel::Warning: return QStringLiteral("warning");
        case LogLevel::Error: return QStringLiteral("error");
    }
    return QStringLiteral("info");
}

LogLevel parseLogLevel(const QString& raw) {
    const QString line = stripAnsi(raw);
    // spdlog: "[12:00:01] [warning] text" or "[12:00:01] [rank 2] [error] text"
    static const QRegularExpression spd(
        QStringLiteral(R"(^(?:\[[^\]]*\]\s*)*?\[(trace|debug|info|warning|warn|error|critical)\])"),
        QRegularExpression::CaseInsensitiveOption);
    if (const auto m = spd.match(line); m.hasMatch()) return levelFromName(m.captured(1));
    // "rfdetr-train: error: ...", "error: ...", "WARNING: ..."
    static const QRegularExpression word(
        QStringLiteral(R"(^(?:[\w.-]+:\s*)?(error|warning|fatal|critical)\b[:\]])"),
        QRegularExpression::CaseInsensitiveOption);
    if (const auto m = word.match(line); m.hasMatch()) return levelFromName(m.captured(1));
    if (line.startsWith(QLatin1String("terminate called")) || line.startsWith(QLatin1String("Segmentation fault")))
        return LogLevel::Error;
    return LogLevel::Info;
}

}  // namespace studio::ui
