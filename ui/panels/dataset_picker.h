#pragma once
// The dataset chooser: built-in demo (preselected), a COCO folder (picker + summary of its splits and
// classes, read in the background), or a Hugging Face dataset "hf:owner/name[@rev]". Writes the model's
// "dataset" field; the inspector's findings become inline problems and the training-image count feeds the
// steps-per-epoch calculator.
#include <QTimer>
#include <QWidget>

class QButtonGroup;
class QLabel;
class QLineEdit;
class QPushButton;
class QRadioButton;

namespace studio::ui {

class DatasetInspector;
class FieldRow;
class RunConfigModel;
struct DatasetSummary;

class DatasetPicker : public QWidget {
    Q_OBJECT
public:
    DatasetPicker(RunConfigModel* model, QWidget* parent = nullptr);
    /// Sets the dataset as the user would ("demo", a folder, "hf:..."). GUI thread.
    void setDataset(const QString& spec);
    QString summaryText() const;
    /// True while a folder is being read.
    bool busy() const;

private:
    void syncFromModel();
    void onInspected(const DatasetSummary& summary);
    void scheduleInspect();
    void writeSpec();

    RunConfigModel* m_model;
    DatasetInspector* m_inspector;
    QButtonGroup* m_group;
    QRadioButton* m_demo;
    QRadioButton* m_folder;
    QRadioButton* m_hub;
    QLineEdit* m_folderEdit;
    QLineEdit* m_hubEdit;
    QPushButton* m_browse;
    QLabel* m_summary;
    QLabel* m_problem;
    QTimer m_debounce;
    QString m_inspected;
};

}  // namespace studio::ui
