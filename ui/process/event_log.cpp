#include "ui/process/event_log.h"

#include <QObject>
#include <QStringList>

namespace studio::ui {

std::optional<LogLine> logLineForEvent(const Event& e, double t) {
    const QString source = QStringLiteral("event");
    if (const auto* err = std::get_if<ErrorEvent>(&e)) {
        QString text = QString::fromStdString(err->message);
        if (!err->hint.empty()) text += QObject::tr(" (hint: %1)").arg(QString::fromStdString(err->hint));
        if (err->rank != 0) text = QObject::tr("rank %1: %2").arg(err->rank).arg(text);
        return LogLine{t, LogLevel::Error, source, text};
    }
    if (const auto* l = std::get_if<LogEvent>(&e)) {
        QString text = QString::fromStdString(l->message);
        if (l->rank != 0) text = QObject::tr("rank %1: %2").arg(l->rank).arg(text);
        return LogLine{t, levelFromName(QString::fromStdString(l->level)), source, text};
    }
    if (const auto* h = std::get_if<HelloEvent>(&e)) {
        return LogLine{t, LogLevel::Info, source,
                       QObject::tr("Trainer %1 (pid %2) on %3 process(es)")
                           .arg(QString::fromStdString(h->version)).arg(h->pid).arg(h->world)};
    }
    if (const auto* c = std::get_if<CheckpointEvent>(&e)) {
        QStringList about;
        if (const QString where = checkpointPositionText(c->epoch, c->step); !where.isEmpty()) about << where;
        if (c->hasEma) about << QObject::tr("with EMA");
        QString text = QObject::tr("Checkpoint %1").arg(QString::fromStdString(c->path));
        if (!about.isEmpty()) text += QStringLiteral(" (%1)").arg(about.join(QStringLiteral(", ")));
        return LogLine{t, LogLevel::Info, source, text};
    }
    if (const auto* d = std::get_if<DoneEvent>(&e)) {
        return LogLine{t, d->status == "failed" ? LogLevel::Error : LogLevel::Info, source,
                       QObject::tr("Run %1 (exit code %2)").arg(QString::fromStdString(d->status)).arg(d->exitCode)};
    }
    return std::nullopt;
}

QString checkpointPositionText(int completedEpoch, long long step, long long stepsPerEpoch) {
    const bool unknownEpoch = completedEpoch < 0 && step <= 0;
    if (unknownEpoch) return QString();
    const long long epochEnd = static_cast<long long>(completedEpoch + 1) * stepsPerEpoch;
    const bool midEpoch = completedEpoch < 0 || (stepsPerEpoch > 0 && step > epochEnd);
    if (!midEpoch) return QObject::tr("epoch %1").arg(completedEpoch + 1);
    // The epoch in progress: the one after the last completed, counted from 1.
    return QObject::tr("epoch %1, step %2 (mid-epoch)").arg(completedEpoch + 2).arg(step);
}

}  // namespace studio::ui
