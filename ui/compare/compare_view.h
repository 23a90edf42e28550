#pragma once
// The Compare tab: pick several run folders, overlay their training loss and mAP 50:95 curves (one colour
// per run; EMA dashed), and see their configs side by side with the differing settings highlighted.
#include <QWidget>
#include <vector>

#include "ui/compare/run_history.h"

class QCheckBox;
class QCustomPlot;
class QLabel;
class QListWidget;
class QTableWidget;

namespace studio::ui {

class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    /// Reads `dir` and adds it (a folder already shown is re-read). Returns false with `error`. GUI thread.
    bool addRun(const QString& dir, QString* error = nullptr);
    void removeRun(int index);
    void clearRuns();
    const std::vector<RunHistory>& runs() const { return m_runs; }

    QCustomPlot* lossPlot() const { return m_loss; }
    QCustomPlot* mapPlot() const { return m_map; }
    QTableWidget* configTable() const { return m_table; }
    /// Shows only the settings that differ.
    void setOnlyDifferences(bool on);

signals:
    void message(const QString& text);

private:
    void rebuild();
    void rebuildPlots();
    void rebuildTable();
    void chooseRuns();

    std::vector<RunHistory> m_runs;
    QListWidget* m_list;
    QCustomPlot* m_loss;
    QCustomPlot* m_map;
    QTableWidget* m_table;
    QCheckBox* m_onlyDiff;
    QLabel* m_summary;
};

/// The colour of the i-th compared run (Okabe–Ito, colour-blind safe).
QColor runColor(int index);

}  // namespace studio::ui
