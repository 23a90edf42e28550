#pragma once
// The configuration column: presets, dataset, model size, batch/accumulation/GPUs with the live effective
// batch calculator, training basics, output folder, and every other field of the table under a collapsed
// "Advanced" section. All editors write one RunConfigModel.
#include <QWidget>

class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QToolButton;
class QVBoxLayout;

namespace studio::ui {

class DatasetPicker;
class GpuListModel;
class PresetBar;
class PresetListModel;
class RunConfigModel;

class ConfigPanel : public QWidget {
    Q_OBJECT
public:
    ConfigPanel(RunConfigModel* model, PresetListModel* presets, GpuListModel* gpus, QWidget* parent = nullptr);

    DatasetPicker* datasetPicker() const { return m_dataset; }
    /// "Effective batch = …" as shown.
    QString effectiveBatchText() const;
    void setAdvancedExpanded(bool expanded);
    bool advancedExpanded() const;
    /// Shown under the calculator: the trainer's memory estimate, or why there is none; an optional link
    /// (emitted by memoryLinkActivated) follows the text.
    void setMemoryEstimate(const QString& text, bool warning = false, const QString& link = {}, const QString& linkText = {});
    QString memoryEstimate() const;
    /// The predict button reads "Cancel prediction" while a probe runs.
    void setPredicting(bool busy);
    /// A fresh, empty output folder name under the parent of the current one.
    QString suggestNewOutputFolder() const;

signals:
    void message(const QString& text);
    /// "Predict memory/speed" was pressed (MainWindow runs rfdetr-train plan).
    void predictRequested();
    /// A link in the estimate was clicked (e.g. "split:8:2" = use batch 8 × accumulation 2).
    void memoryLinkActivated(const QString& link);

private:
    QWidget* buildCalculator();
    QWidget* buildOutputRow();
    QWidget* buildAdvanced();
    void syncGpuSelection();
    void updateCalculator();

    RunConfigModel* m_model;
    GpuListModel* m_gpus;
    DatasetPicker* m_dataset = nullptr;
    PresetBar* m_presetBar = nullptr;
    QListView* m_gpuView = nullptr;
    QWidget* m_gpuCount = nullptr;
    QLabel* m_effective = nullptr;
    QLabel* m_steps = nullptr;
    QLabel* m_memory = nullptr;
    QPushButton* m_predict = nullptr;
    QLabel* m_sizeInfo = nullptr;
    QLineEdit* m_output = nullptr;
    QToolButton* m_advancedToggle = nullptr;
    QWidget* m_advanced = nullptr;
    bool m_syncingGpus = false;
};

}  // namespace studio::ui
