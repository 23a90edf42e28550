#pragma once
// The event stream turned into plot series (the "plot-series model"). Producers call addEvents() on the GUI
// thread; each view remembers how many points of a series it has drawn (and the series' generation) and
// appends only the new ones with QCPGraph::addData(keys, values, true). Nothing here knows QCustomPlot.
//
// Step events count from rank 0 only (the other ranks' steps feed the health view).
// Series names:  train/loss/<term>  (key: optimiser step)     lr, throughput/imgs_per_s, throughput/data_wait_ms
//                val/loss/<term>    (key: last step of the epoch)            map/<regular|ema>/<50_95|50> (key: epoch, from 1)
//                gpu<i>/<util|mem_gb|temp_c|power_w>          (key: seconds since the first GPU sample;
//                                                              a pause > 30 s, e.g. stop + resume, is a gap)
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVector>
#include <vector>

#include "base/events/events.h"

namespace studio::ui {

struct Series {
    QVector<double> keys, values;   // keys ascending; NaN values are gaps (non-finite losses)
    int generation = 0;             // bumped when points were removed (a resumed run rewound): redraw all
};

class MetricStore : public QObject {
    Q_OBJECT
public:
    explicit MetricStore(QObject* parent = nullptr);

    /// Appends the points of `events`; emits appended() once (and seriesAdded for new names). GUI thread.
    void addEvents(const std::vector<Event>& events);
    void addEvent(const Event& e) { addEvents({e}); }
    /// Drops everything (a new run is shown).
    void clear();

    QStringList seriesNames() const;
    const Series* series(const QString& name) const;

    /// Number of GPUs seen in gpu events.
    int gpuCount() const { return m_gpuCount; }
    QStringList gpuNames() const { return m_gpuNames; }
    /// Last step's steps-per-epoch (0 = unknown), epoch and step.
    long long stepsPerEpoch() const { return m_stepsPerEpoch; }
    int lastEpoch() const { return m_lastEpoch; }
    long long lastStep() const { return m_lastStep; }
    double bestMap() const { return m_bestMap; }
    long long nonFinitePoints() const { return m_nonFinite; }

signals:
    void appended();
    void seriesAdded(const QString& name);
    void cleared();

private:
    void append(const QString& name, double key, double value, bool gap = false);

    QHash<QString, Series> m_series;
    QStringList m_order;
    QStringList m_gpuNames;
    int m_gpuCount = 0;
    double m_gpuT0 = -1;
    double m_gpuLastT = -1;
    long long m_stepsPerEpoch = 0;
    long long m_lastStep = -1;
    int m_lastEpoch = -1;
    double m_bestMap = -1;
    long long m_nonFinite = 0;
    bool m_dirty = false;
};

}  // namespace studio::ui
