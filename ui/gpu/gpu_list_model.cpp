#include "ui/gpu/gpu_list_model.h"

#include <algorithm>

namespace studio::ui {

GpuScan scanLocalGpus() {
    GpuScan s;
    Nvml& nvml = Nvml::instance();
    s.available = nvml.available();
    if (!s.available) {
        s.error = QString::fromStdString(nvml.error());
        return s;
    }
    s.gpus = nvml.devices();
    return s;
}

QString describeGpu(const GpuInfo& g) {
    constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
    QStringList parts;
    parts << QStringLiteral("%1: %2").arg(g.index).arg(QString::fromStdString(g.name));
    if (g.memTotalBytes > 0)
        parts << QStringLiteral("%1 / %2 GB").arg(g.memUsedBytes / kGiB, 0, 'f', 1).arg(g.memTotalBytes / kGiB, 0, 'f', 1);
    if (g.utilPercent >= 0) parts << QStringLiteral("%1 %").arg(g.utilPercent);
    if (g.temperatureC >= 0) parts << QStringLiteral("%1 °C").arg(g.temperatureC);
    if (g.powerW >= 0) parts << QStringLiteral("%1 W").arg(qRound(g.powerW));
    return parts.join(QStringLiteral(" · "));
}

GpuListModel::GpuListModel(std::function<GpuScan()> scanner, QObject* parent)
    : QAbstractListModel(parent), m_scanner(std::move(scanner)) {
    refresh();
}

void GpuListModel::refresh() {
    const std::vector<int> keep = checkedIndices();
    GpuScan next = m_scanner ? m_scanner() : GpuScan{};
    const bool sameRows = next.gpus.size() == m_scan.gpus.size() && !m_checked.isEmpty();
    if (sameRows) {
        // Only the live numbers changed: keep the rows (and the view's selection/scroll) in place.
        m_scan = std::move(next);
        if (!m_scan.gpus.empty()) emit dataChanged(index(0), index(rowCount() - 1));
        return;
    }
    beginResetModel();
    m_scan = std::move(next);
    m_checked.clear();
    for (const auto& g : m_scan.gpus)
        m_checked << (std::find(keep.begin(), keep.end(), g.index) != keep.end());
    endResetModel();
}

std::vector<int> GpuListModel::checkedIndices() const {
    std::vector<int> out;
    for (int i = 0; i < m_checked.size() && i < static_cast<int>(m_scan.gpus.size()); ++i) {
        if (m_checked[i]) out.push_back(m_scan.gpus[static_cast<size_t>(i)].index);
    }
    std::sort(out.begin(), out.end());
    return out;
}

void GpuListModel::setCheckedIndices(const std::vector<int>& indices) {
    bool changed = false;
    for (int i = 0; i < m_checked.size(); ++i) {
        const bool want = std::find(indices.begin(), indices.end(), m_scan.gpus[static_cast<size_t>(i)].index) != indices.end();
        if (m_checked[i] != want) {
            m_checked[i] = want;
            emit dataChanged(index(i), index(i), {Qt::CheckStateRole});
            changed = true;
        }
    }
    if (changed) emit selectionChanged();
}

int GpuListModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid()) return 0;
    return m_scan.gpus.empty() ? 1 : static_cast<int>(m_scan.gpus.size());
}

QVariant GpuListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    if (m_scan.gpus.empty()) {
        switch (role) {
            case Qt::DisplayRole:
                return m_scan.available ? tr("CPU (NVML reports no GPU)") : tr("CPU (no NVIDIA GPU: NVML unavailable)");
            case Qt::ToolTipRole:
                return m_scan.error.isEmpty() ? tr("Training runs on the CPU.")
                                              : tr("Training runs on the CPU. NVML: %1").arg(m_scan.error);
            case IsCpuRole: return true;
            case IndexRole: return -1;
            default: return {};
        }
    }
    const GpuInfo& g = m_scan.gpus[static_cast<size_t>(index.row())];
    switch (role) {
        case Qt::DisplayRole: return describeGpu(g);
        case Qt::ToolTipRole:
            return tr("%1\nUUID %2\nPCI %3").arg(QString::fromStdString(g.name), QString::fromStdString(g.uuid),
                                               QString::fromStdString(g.pciBusId));
        case Qt::CheckStateRole: return m_checked.value(index.row()) ? Qt::Checked : Qt::Unchecked;
        case IndexRole: return g.index;
        case IsCpuRole: return false;
        default: return {};
    }
}

bool GpuListModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::CheckStateRole || m_scan.gpus.empty() ||
        !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return false;
    const bool on = value.toInt() == Qt::Checked;
    if (m_checked[index.row()] == on) return true;
    m_checked[index.row()] = on;
    emit dataChanged(index, index, {Qt::CheckStateRole});
    emit selectionChanged();
    return true;
}

Qt::ItemFlags GpuListModel::flags(const QModelIndex& index) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return Qt::NoItemFlags;
    if (m_scan.gpus.empty()) return Qt::ItemIsEnabled;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable;
}

}  // namespace studio::ui
