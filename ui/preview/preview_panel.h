#pragma once
// The Preview tab: choose a checkpoint of the run (regular or EMA weights) and images from the dataset's
// validation split or your own files; they run through `rfdetr-train predict --json` in a child process
// (never in the GUI): the chosen image and up to kBatch-1 following ones per process (the model loads
// once; results stream in one JSON line per image). Boxes are drawn in class colours next to the ground
// truth, with a score threshold slider that filters without re-running. Results are cached per
// checkpoint/EMA/image. "First training batch" shows the run's train_batch0.png (the first batch as the
// model received it, written by the trainer at the first step) in place of the two canvases.
#include <QHash>
#include <QImage>
#include <QWidget>
#include <optional>

#include "ui/preview/prediction.h"
#include "ui/process/command_runner.h"
#include "ui/process/line_buffer.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;
class QSlider;
class QStackedWidget;

namespace studio::ui {

class DetectionCanvas;
class TrainBatchView;

class PreviewPanel : public QWidget {
    Q_OBJECT
public:
    explicit PreviewPanel(TrainerProcessFactory factory, QWidget* parent = nullptr);

    /// The trainer for predict ("" = none usable); a trainer found after an image was chosen (the check is
    /// asynchronous) predicts that image then. GUI thread.
    void setTrainerPath(const QString& path);
    /// Lists the run's checkpoints (keeps the chosen one when still there) and re-checks its
    /// train_batch0.png. GUI thread.
    void setRunDir(const QString& runDir);
    /// Enables "First training batch" when the run folder has train_batch0.png (reloads it when shown);
    /// a file read per call, so call it on step events only while hasTrainBatch() is false. GUI thread.
    void refreshTrainBatch();
    /// Whether the run folder had train_batch0.png at the last check. GUI thread.
    bool hasTrainBatch() const;
    /// Shows the run's train_batch0.png instead of prediction and ground truth (false: back to them;
    /// ignored while there is no such file). GUI thread.
    void showTrainBatch(bool show);
    bool trainBatchShown() const;
    /// Loads the validation split of a COCO dataset folder into the image list; false with `error`.
    bool setDatasetDir(const QString& datasetDir, QString* error = nullptr);
    /// Adds image files to the list (no ground truth unless they belong to the loaded split).
    void addImages(const QStringList& files);
    void setCheckpoint(const QString& path);
    void setUseEma(bool ema);
    /// Shows image `row` and predicts it when not cached (needs a checkpoint and the trainer).
    void selectImage(int row);
    /// Score threshold 0..1 (the slider's value / 100).
    void setThreshold(double threshold);
    double threshold() const;

    QString checkpoint() const;
    QStringList images() const;
    DetectionCanvas* predictionCanvas() const { return m_pred; }
    DetectionCanvas* truthCanvas() const { return m_truth; }
    DetectionCanvas* trainBatchCanvas() const;
    QPushButton* trainBatchButton() const { return m_trainBatchButton; }
    QString statusText() const;

    /// Lowest score requested from the trainer: the slider filters above it.
    static constexpr double kMinScore = 0.05;
    /// Images per predict process (the chosen one first, then the next uncached ones in the list).
    static constexpr int kBatch = 8;

signals:
    void message(const QString& text);

private:
    void predictCurrent();
    void showCurrent();
    void onOutput(const QByteArray& bytes);
    bool takeResultLine(const QByteArray& line);
    void onFinished(int code, bool crashed, const QByteArray& out, const QByteArray& err);
    QString cacheKey(const QString& image) const;
    void setStatus(const QString& text, bool error = false);

    CommandRunner* m_runner;
    QString m_trainer, m_runDir;
    QStringList m_batch;        // images of the running process
    QString m_batchPrefix;      // their cache key without the image
    LineBuffer m_lines;
    int m_batchResults = 0;
    QHash<QString, QString> m_errors;   // cache key -> why predict could not read that image
    ValidSplit m_split;
    QHash<QString, Prediction> m_cache;
    QComboBox* m_checkpoint;
    QCheckBox* m_ema;
    QListWidget* m_images;
    QSlider* m_slider;
    QLabel* m_thresholdLabel;
    QLabel* m_status;
    DetectionCanvas* m_pred;
    DetectionCanvas* m_truth;
    QPushButton* m_trainBatchButton;
    QStackedWidget* m_views;            // prediction + ground truth, or the first training batch
    TrainBatchView* m_trainBatchView;
};

}  // namespace studio::ui
