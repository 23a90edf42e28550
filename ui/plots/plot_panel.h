#pragma once
// One QCustomPlot with its graphs bound to MetricStore series. Redraws are coalesced: new points only arm
// a single-shot timer (40 ms, so at most 25 replots a second), whose slot appends the new points of every
// graph with addData(keys, values, true) and queues one replot. Zoom/drag freezes the axes until "Fit";
// hovering shows the values under the cursor; the plot exports as PNG.
#include <QColor>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QVector>
#include <QWidget>
#include <functional>
#include <optional>

#include "ui/plots/smoother.h"

class QCustomPlot;
class QCPGraph;
class QCheckBox;
class QLabel;
class QSlider;

namespace studio::ui {

class MetricStore;

struct GraphSpec {
    QString series;              // MetricStore name
    QString label;               // legend
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    bool rightAxis = false;
    bool scatter = false;        // per-epoch metrics: points joined by lines
    bool smoothable = false;     // noisy per-step series: drawn faint with a smoothed line on top
};

class PlotPanel : public QWidget {
    Q_OBJECT
public:
    enum class XKind { Step, Epoch, Seconds };
    PlotPanel(const QString& title, XKind x, const QString& yLabel, MetricStore* store, QWidget* parent = nullptr);

    void addGraph(const GraphSpec& spec);
    /// Graphs created on demand for series the store announces (per-GPU lines).
    void setAutoGraph(std::function<std::optional<GraphSpec>(const QString& series)> factory);
    void setRightAxisLabel(const QString& label);
    /// Log-scale y axis (losses, learning rate); offered as a checkbox when `offer`.
    void setLogY(bool on, bool offer = true);
    void setEmptyText(const QString& text);
    /// Where the legend sits inside the plot (top right by default; bottom right for rising curves).
    void setLegendAlignment(Qt::Alignment alignment);
    /// Shows a smoothing slider (0 = raw … 0.99) for the smoothable graphs; `weight` is its start value.
    void enableSmoothing(double weight);
    void setSmoothing(double weight);
    double smoothing() const { return m_smoothing; }

    /// Saves the plot as PNG (width/height 0 = current size). GUI thread.
    bool exportPng(const QString& path, int width = 0, int height = 0);
    QCustomPlot* plot() const { return m_plot; }
    QString title() const { return m_title; }
    /// Replots requested so far (tests check the coalescing).
    int replotCount() const { return m_replots; }
    /// The smoothed line's values for `series` (empty if it has none).
    QVector<double> smoothedValues(const QString& series) const;
    /// Points currently drawn by the graph of `series` (-1 if not bound).
    int pointCount(const QString& series) const;
    /// The hover text at plot x coordinate `key` ("" if no data).
    QString hoverText(double key) const;

public slots:
    /// Arms the coalescing timer (cheap; call on every append).
    void scheduleUpdate();
    /// Fits the axes to the data and resumes following new data.
    void fit();
    void exportWithDialog();
    /// Draws pending points now (the coalescing timer's slot).
    void flush();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    struct Bound {
        GraphSpec spec;
        QCPGraph* graph = nullptr;
        int shown = 0;
        int generation = 0;
        QCPGraph* smooth = nullptr;
        Smoother smoother;
    };
    void restyle(Bound& b);
    void rebuildSmoothed(Bound& b);
    void bindGraph(const GraphSpec& spec);
    void onSeriesAdded(const QString& name);
    void onCleared();
    void updateEmptyState();
    QString keyText(double key) const;

    QString m_title;
    XKind m_xKind;
    QPointer<MetricStore> m_store;
    QCustomPlot* m_plot = nullptr;
    QCheckBox* m_logBox = nullptr;
    QSlider* m_smoothSlider = nullptr;
    double m_smoothing = 0;   // 0 = off
    QLabel* m_empty = nullptr;
    QTimer m_coalesce;
    QVector<Bound> m_graphs;
    std::function<std::optional<GraphSpec>(const QString&)> m_autoGraph;
    bool m_follow = true;   // axes follow the data until the user zooms or drags
    int m_replots = 0;
};

}  // namespace studio::ui
