#pragma once
// The GPU picker's model: the GPUs NVML reports (name, memory, current use), checkable; or one "CPU" row
// when NVML is unavailable (no driver, CI, laptops). The checked GPUs become gpu_ids / num_gpus.
#include <QAbstractListModel>
#include <QList>
#include <functional>
#include <vector>

#include "base/gpu/nvml.h"

namespace studio::ui {

struct GpuScan {
    bool available = false;
    QString error;                 // why NVML is unavailable
    std::vector<GpuInfo> gpus;
};

/// Scans the real NVML (any thread; NVML calls are serialised inside Nvml).
GpuScan scanLocalGpus();

class GpuListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { IndexRole = Qt::UserRole + 1, IsCpuRole };
    explicit GpuListModel(std::function<GpuScan()> scanner = scanLocalGpus, QObject* parent = nullptr);

    /// Re-reads the GPUs; keeps the check marks of indices that are still present. GUI thread.
    void refresh();
    bool hasGpus() const { return !m_scan.gpus.empty(); }
    const GpuScan& scan() const { return m_scan; }
    /// Checked GPU indices, ascending.
    std::vector<int> checkedIndices() const;
    /// Checks exactly `indices` (unknown ones ignored).
    void setCheckedIndices(const std::vector<int>& indices);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

signals:
    /// The user (or setCheckedIndices) changed the selection.
    void selectionChanged();

private:
    std::function<GpuScan()> m_scanner;
    GpuScan m_scan;
    QList<bool> m_checked;
};

/// "NVIDIA H100 80GB HBM3 · 12.0 / 80.0 GB · 97 % · 64 °C · 612 W".
QString describeGpu(const GpuInfo& gpu);

}  // namespace studio::ui
