#include "ui/log/log_model.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>

namespace studio::ui {

LogModel::LogModel(int maxLines, QObject* parent) : QAbstractListModel(parent), m_max(qMax(1, maxLines)) {}

void LogModel::append(const QList<LogLine>& lines) {
    if (lines.isEmpty()) return;
    // Only the newest m_max of this batch can survive.
    const qsizetype skip = qMax<qsizetype>(0, lines.size() - m_max);
    m_dropped += skip;
    const int incoming = static_cast<int>(lines.size() - skip);
    const int overflow = static_cast<int>(m_lines.size()) + incoming - m_max;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_lines.erase(m_lines.begin(), m_lines.begin() + overflow);
        endRemoveRows();
        m_dropped += overflow;
    }
    const int first = static_cast<int>(m_lines.size());
    beginInsertRows({}, first, first + incoming - 1);
    for (qsizetype i = skip; i < lines.size(); ++i) m_lines.push_back(lines[i]);
    endInsertRows();
}

void LogModel::clear() {
    beginResetModel();
    m_lines.clear();
    m_dropped = 0;
    endResetModel();
}

QString LogModel::toPlainText() const {
    QString out;
    for (const auto& l : m_lines) out += QStringLiteral("[%1] %2\n").arg(levelName(l.level), l.text);
    return out;
}

int LogModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_lines.size());
}

QVariant LogModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const LogLine& l = m_lines.at(static_cast<size_t>(index.row()));
    switch (role) {
        case Qt::DisplayRole: return l.text;
        case Qt::ToolTipRole:
            return QStringLiteral("%1 · %2 · %3")
                .arg(QDateTime::fromMSecsSinceEpoch(qint64(l.time * 1000)).toString(QStringLiteral("HH:mm:ss")),
                     levelName(l.level), l.source);
        case Qt::ForegroundRole:
            if (l.level == LogLevel::Error) return QBrush(QColor(0xc6, 0x28, 0x28));
            if (l.level == LogLevel::Warning) return QBrush(QColor(0xb2, 0x6a, 0x00));
            if (l.level <= LogLevel::Debug) return QBrush(QColor(0x75, 0x75, 0x75));
            return {};
        case LevelRole: return static_cast<int>(l.level);
        case SourceRole: return l.source;
        case TimeRole: return l.time;
        default: return {};
    }
}

LogFilterModel::LogFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {}

void LogFilterModel::setMinimumLevel(LogLevel level) {
    m_min = level;
    invalidateFilter();
}

void LogFilterModel::setText(const QString& text) {
    m_text = text;
    invalidateFilter();
}

bool LogFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
    if (idx.data(LogModel::LevelRole).toInt() < static_cast<int>(m_min)) return false;
    return m_text.isEmpty() || idx.data(Qt::DisplayRole).toString().contains(m_text, Qt::CaseInsensitive);
}

}  // namespace studio::ui
