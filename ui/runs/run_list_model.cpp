#include "ui/runs/run_list_model.h"

#include <QBrush>
#include <QColor>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QPointer>
#include <QThreadPool>

namespace studio::ui {

namespace {
std::vector<RunSummary> summarize(const QStringList& folders) {
    std::vector<RunSummary> out;
    out.reserve(static_cast<size_t>(folders.size()));
    for (const QString& f : folders) out.push_back(summarizeRun(f.toStdString()));
    return out;
}
}  // namespace

QString statusText(RunStatus status) {
    switch (status) {
        case RunStatus::Running: return QObject::tr("running");
        case RunStatus::Finished: return QObject::tr("finished");
        case RunStatus::Stopped: return QObject::tr("stopped");
        case RunStatus::EarlyStopped: return QObject::tr("early-stopped");
        case RunStatus::Failed: return QObject::tr("failed");
        case RunStatus::Unknown: break;
    }
    return QObject::tr("not started");
}

RunListModel::RunListModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunListModel::setFolders(const QStringList& folders) {
    m_folders = folders;
    refresh();
}

void RunListModel::refresh() {
    const quint64 generation = ++m_generation;
    QPointer<RunListModel> self(this);
    const QStringList folders = m_folders;
    QThreadPool::globalInstance()->start([self, folders, generation] {
        auto result = summarize(folders);
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [self, result = std::move(result), generation]() mutable {
                if (self && generation == self->m_generation) self->apply(std::move(result));
            },
            Qt::QueuedConnection);
    });
}

void RunListModel::refreshNow() {
    ++m_generation;
    apply(summarize(m_folders));
}

void RunListModel::apply(std::vector<RunSummary> summaries) {
    beginResetModel();
    m_runs = std::move(summaries);
    endResetModel();
    emit refreshed();
}

QString RunListModel::pathAt(int row) const {
    return row >= 0 && row < static_cast<int>(m_runs.size()) ? QString::fromStdString(m_runs[size_t(row)].root) : QString();
}

int RunListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_runs.size());
}

int RunListModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const RunSummary& r = m_runs[static_cast<size_t>(index.row())];
    const QString root = QString::fromStdString(r.root);
    if (role == PathRole) return root;
    if (role == StatusRole) return static_cast<int>(r.status);
    if (role == Qt::ToolTipRole) {
        return tr("%1\nDataset: %2").arg(QDir::toNativeSeparators(root),
                                         r.dataset.empty() ? tr("unknown") : QString::fromStdString(r.dataset));
    }
    if (role == Qt::ForegroundRole && index.column() == StatusColumn) {
        if (r.status == RunStatus::Failed) return QBrush(QColor(0xc6, 0x28, 0x28));
        if (r.status == RunStatus::Running) return QBrush(QColor(0x1b, 0x7f, 0x3b));
        return {};
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
        case NameColumn: return QFileInfo(root).fileName();
        case StatusColumn: return statusText(r.status);
        case EpochColumn: return r.lastEpoch >= 0 ? QVariant(r.lastEpoch + 1) : QVariant(QStringLiteral("—"));
        case MapColumn: return r.bestMap >= 0 ? QVariant(QString::number(r.bestMap, 'f', 3)) : QVariant(QStringLiteral("—"));
        case ModelColumn: return QString::fromStdString(r.modelSize);
        case UpdatedColumn:
            return r.updatedAt > 0 ? QDateTime::fromSecsSinceEpoch(qint64(r.updatedAt)).toString(QStringLiteral("yyyy-MM-dd HH:mm"))
                                   : QString();
        default: return {};
    }
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
        case NameColumn: return tr("Run");
        case StatusColumn: return tr("Status");
        case EpochColumn: return tr("Epoch");
        case MapColumn: return tr("Best mAP");
        case ModelColumn: return tr("Model");
        case UpdatedColumn: return tr("Updated");
        default: return {};
    }
}

}  // namespace studio::ui
