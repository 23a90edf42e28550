#pragma once
// The run's first training batch (train_batch0.png, written by the trainer at the run's first step: the
// batch as the model received it, augmented and resized, normalisation undone, every target box outlined
// and named): a DetectionCanvas with the image scaled to fit and a caption saying what it is. Tells
// whether the file is there and, when not, why (for the Preview tab's disabled button).
#include <QDateTime>
#include <QString>
#include <QWidget>

class QLabel;

namespace studio::ui {

class DetectionCanvas;

class TrainBatchView : public QWidget {
    Q_OBJECT
public:
    explicit TrainBatchView(QWidget* parent = nullptr);

    /// Checks `runDir` for train_batch0.png (a stat, no decoding); reloads the image when it is already
    /// loaded and the file changed (a new run in the same folder). True when the file is there. GUI thread.
    bool setRunDir(const QString& runDir);
    /// Re-checks the current run folder (as setRunDir). GUI thread.
    bool refresh() { return setRunDir(m_runDir); }
    bool available() const { return m_available; }
    /// Why the file is not there (empty when it is), for a tooltip.
    QString unavailableReason() const;
    /// The file's path in the current run folder ("" without one).
    QString path() const;
    /// Decodes the file onto the canvas (a placeholder with the reader's error if it cannot). GUI thread.
    void load();
    DetectionCanvas* canvas() const { return m_canvas; }

private:
    QString m_runDir;
    bool m_available = false;
    bool m_loaded = false;
    QDateTime m_loadedModified;
    qint64 m_loadedSize = -1;
    DetectionCanvas* m_canvas;
    QLabel* m_caption;
};

}  // namespace studio::ui
