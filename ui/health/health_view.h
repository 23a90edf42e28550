#pragma once
// The Health tab: one row per rank (step time, data-loader wait, its share of the step, GPU and its
// utilisation, images/s) with the straggler and data-wait warnings above. Refreshes at most twice a second.
#include <QTimer>
#include <QWidget>
#include <vector>

#include "base/events/events.h"
#include "ui/health/health_tracker.h"

class QLabel;
class QTableWidget;

namespace studio::ui {

class HealthView : public QWidget {
    Q_OBJECT
public:
    explicit HealthView(QWidget* parent = nullptr);

    /// Feeds events of the shown run (every rank). GUI thread.
    void addEvents(const std::vector<Event>& events);
    void clear();
    /// Redraws now (the coalescing timer's slot).
    void refresh();

    const HealthTracker& tracker() const { return m_tracker; }
    QTableWidget* table() const { return m_table; }
    QString warningText() const;

private:
    HealthTracker m_tracker;
    QLabel* m_warnings;
    QLabel* m_note;
    QTableWidget* m_table;
    QTimer m_refresh;
};

}  // namespace studio::ui
