#pragma once
// What the dataset field points at, for the folder picker's summary line and the steps-per-epoch
// calculator: demo, a Hugging Face spec, or a COCO folder in the Roboflow layout (train/ valid/ [test/]
// each with _annotations.coco.json). Folders are read on a worker thread; results come back queued.
#include <QObject>
#include <QString>
#include <QStringList>
#include <vector>

#include "base/util/problem.h"

namespace studio::ui {

struct SplitSummary {
    QString name;             // "train"
    bool present = false;
    long long images = -1;
    long long boxes = -1;
    QStringList categories;   // names in file order
    QStringList classes;      // the categories the trainer trains (not supercategory "none"), rfdetr's class_names
    int classLogits = 0;      // the model's class logits for this split: max class category id + 1
    QString error;            // unreadable / malformed annotation file
    std::vector<Problem> issues;  // structural problems CocoIndex reported (ids, boxes, categories)
};

struct DatasetSummary {
    enum class Kind { Empty, Demo, Hub, Folder };
    Kind kind = Kind::Empty;
    QString spec;
    SplitSummary train, valid, test;
    std::vector<Problem> problems;  // field "dataset": what is wrong and how to fix it
    /// "train 19,744 images · valid 1,000 · 3 classes" or a description of demo / hub.
    QString text;
    long long trainImages() const { return train.images; }
    /// The class logits the trainer's model gets (rfdetr reads train's categories; valid's when train's
    /// are unreadable; the demo's are fixed); 0 while unknown (Hub datasets before the trainer ran).
    int classLogits() const;
    /// How many classes that is (the demo's 3; 0 while unknown).
    int classCount() const;
};

/// Inspects `spec` synchronously (reads annotation files: call from a worker thread for folders).
DatasetSummary inspectDataset(const QString& spec);

/// Reads one COCO annotation file with CocoIndex (streaming, compact) and summarises it.
SplitSummary countCocoSplit(const QString& annotationFile, const QString& name);

/// Runs inspectDataset() on the global thread pool; only the latest request's result is delivered.
class DatasetInspector : public QObject {
    Q_OBJECT
public:
    explicit DatasetInspector(QObject* parent = nullptr);
    /// Starts inspecting `spec`; demo and hf: specs answer at once (still through the signal). GUI thread.
    void inspect(const QString& spec);
    bool busy() const { return m_pending > 0; }

signals:
    void inspected(const studio::ui::DatasetSummary& summary);

private:
    quint64 m_generation = 0;
    int m_pending = 0;
};

}  // namespace studio::ui
