#pragma once
// RunConfigModel: the one RunConfig the Studio edits. Every widget writes through setFieldText() (the
// field table's parsers), every change re-runs validateRunConfig(Edit), and problems are kept per field key
// so the form can mark them inline. The effective-batch line and steps per epoch come from studio_base.
#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>
#include <vector>

#include "base/config/run_config.h"
#include "base/util/problem.h"

namespace studio::ui {

class RunConfigModel : public QObject {
    Q_OBJECT
public:
    explicit RunConfigModel(QObject* parent = nullptr);

    /// The current values (parse failures leave the previous value in place). GUI thread.
    const RunConfig& config() const { return m_config; }
    /// Replaces every value (opening a run, restoring settings); clears parse errors. GUI thread.
    void setConfig(const RunConfig& config);

    /// Sets field `key` from text as typed. Returns false when the text does not parse; the message is
    /// then reported by problemsFor(key) until the field gets a valid value. GUI thread.
    bool setFieldText(const QString& key, const QString& text);
    /// The field's value as the form shows it ("" for resolution 0 = the size's default).
    QString fieldText(const QString& key) const;

    /// Problems that are not config values: e.g. the dataset inspector's findings for "dataset".
    void setExternalProblems(const QString& key, const std::vector<Problem>& problems);

    /// Every current problem (parse, validation, external), errors first.
    const std::vector<Problem>& problems() const { return m_problems; }
    /// One line per problem of `key` ("must be at least 1 — set it to ..."), errors and warnings.
    QStringList problemsFor(const QString& key) const;
    bool hasErrors() const;
    /// Keys with at least one error.
    QStringList errorKeys() const;

    /// Processes the run will start on this node (nproc_per_node or num_gpus).
    int worldSize() const;
    long long effectiveBatch() const;
    /// "Effective batch = 16 × 1 × 4 = 64".
    QString effectiveBatchText() const;

    /// Training images of the chosen dataset (-1 = unknown, e.g. demo before the first run).
    void setTrainImages(long long images);
    long long trainImages() const { return m_trainImages; }
    /// Optimiser steps per epoch, 0 when the image count is unknown.
    long long stepsPerEpoch() const;
    /// "1,234 optimiser steps per epoch (19,744 training images)" or a sentence saying why unknown.
    QString stepsPerEpochText() const;

    /// The chosen dataset's classes and the class logits they give the model (0 = unknown until the
    /// dataset is read).
    void setDatasetClasses(int classes, int logits);
    int classLogits() const { return m_classLogits; }
    /// "RF-DETR small at 224 px · 3 decoder layers · 31.1 M parameters (3 classes, 50 queries × 13
    /// groups)": the configured model's own count (model_sizes.h); with COCO's 90 classes while the
    /// dataset's are unknown.
    QString modelSummaryText() const;

signals:
    /// Any value changed (emitted once per setFieldText / setConfig).
    void changed();
    void problemsChanged();

private:
    void revalidate();

    RunConfig m_config;
    QMap<QString, QString> m_parseErrors;                    // key -> message
    QMap<QString, std::vector<Problem>> m_external;          // key -> problems
    std::vector<Problem> m_problems;
    long long m_trainImages = -1;
    int m_classes = 0, m_classLogits = 0;
};

/// Problem text for inline display: "must be at least 1. Fix: set it to ...".
QString problemText(const Problem& p);

}  // namespace studio::ui
