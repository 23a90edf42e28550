#pragma once
// The log pane's lines: a bounded list (oldest lines dropped first, so a flooding trainer cannot exhaust
// memory) and a proxy that filters by minimum level and text.
#include <QAbstractListModel>
#include <QSortFilterProxyModel>
#include <deque>

#include "ui/log/log_line.h"

namespace studio::ui {

class LogModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { LevelRole = Qt::UserRole + 1, SourceRole, TimeRole };
    explicit LogModel(int maxLines = 50000, QObject* parent = nullptr);

    /// Appends lines (one insert notification per call), dropping the oldest beyond maxLines. GUI thread.
    void append(const QList<LogLine>& lines);
    void clear();
    const LogLine& line(int row) const { return m_lines.at(static_cast<size_t>(row)); }
    /// Lines dropped because of the bound since the last clear().
    long long droppedLines() const { return m_dropped; }
    /// All lines as text ("[warning] text\n"...), for "Copy all" / saving.
    QString toPlainText() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

private:
    std::deque<LogLine> m_lines;
    int m_max;
    long long m_dropped = 0;
};

class LogFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit LogFilterModel(QObject* parent = nullptr);
    void setMinimumLevel(LogLevel level);
    LogLevel minimumLevel() const { return m_min; }
    /// Case-insensitive substring filter ("" = all).
    void setText(const QString& text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    LogLevel m_min = LogLevel::Info;
    QString m_text;
};

}  // namespace studio::ui
