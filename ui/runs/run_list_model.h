#pragma once
// Recent run folders with their status (running, finished, stopped, failed), epoch and best mAP, read with
// summarizeRun() on a worker thread (events.jsonl of a long run is tens of MB).
#include <QAbstractTableModel>
#include <QStringList>
#include <vector>

#include "base/run/run_folder.h"

namespace studio::ui {

class RunListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, StatusColumn, EpochColumn, MapColumn, ModelColumn, UpdatedColumn, ColumnCount };
    enum Role { PathRole = Qt::UserRole + 1, StatusRole };
    explicit RunListModel(QObject* parent = nullptr);

    /// Sets the folders to list (most recent first) and refreshes them in the background. GUI thread.
    void setFolders(const QStringList& folders);
    /// Re-reads every folder's status in the background; emits refreshed() when done.
    void refresh();
    /// Reads synchronously (tests, small lists).
    void refreshNow();
    QStringList folders() const { return m_folders; }
    QString pathAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

signals:
    void refreshed();

private:
    void apply(std::vector<RunSummary> summaries);

    QStringList m_folders;
    std::vector<RunSummary> m_runs;
    quint64 m_generation = 0;
};

/// "finished", "running", ... as shown in the list.
QString statusText(RunStatus status);

}  // namespace studio::ui
