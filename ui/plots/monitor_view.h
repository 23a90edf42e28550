#pragma once
// The centre of the window: training plots (losses, learning rate, throughput, mAP) and GPU plots
// (utilisation, memory, temperature, power per GPU), with a one-line progress summary above them.
#include <QList>
#include <QWidget>

class QLabel;
class QTabWidget;

namespace studio::ui {

class MetricStore;
class PlotPanel;

class MonitorView : public QWidget {
    Q_OBJECT
public:
    MonitorView(MetricStore* store, QWidget* parent = nullptr);

    QList<PlotPanel*> panels() const { return m_panels; }
    PlotPanel* panel(const QString& title) const;
    /// Exports every plot as <dir>/<title>.png; returns the files written.
    QStringList exportAll(const QString& dir);
    void showGpuTab();
    /// The plot tabs (MainWindow adds Health, Preview and Compare, and the TensorBoard corner button).
    QTabWidget* tabs() const { return m_tabs; }
    /// Shown when there are no GPU samples ("NVML unavailable: ...").
    void setGpuNote(const QString& text);

private:
    void updateSummary();

    MetricStore* m_store;
    QTabWidget* m_tabs;
    QLabel* m_summary;
    QLabel* m_gpuNote;
    QList<PlotPanel*> m_panels;
};

}  // namespace studio::ui
