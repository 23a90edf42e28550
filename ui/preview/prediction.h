#pragma once
// Preview data: `rfdetr-train predict --json` output, the validation split's images and ground truth
// (COCO annotations through CocoIndex), the run's checkpoints, and one colour per class.
#include <QColor>
#include <QRectF>
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>
#include <vector>

#include "base/config/run_config.h"

namespace studio {
class CocoIndex;
}

namespace studio::ui {

struct PreviewBox {
    int classId = 0;
    QString className;
    double score = 1;   // 1 for ground truth
    QRectF box;         // pixels, x1 y1 x2 y2 as a rectangle
};

struct Prediction {
    QString image;
    int width = 0, height = 0;
    QString device;
    double milliseconds = 0;
    double threshold = 0;
    std::vector<PreviewBox> boxes;
};

/// Reads predict's JSON (one object, possibly pretty-printed); nullopt with `error` otherwise. Any thread.
std::optional<Prediction> parsePredictJson(const QByteArray& stdoutBytes, QString* error);

/// Stable, distinguishable colour of class `id` (Okabe–Ito first, then hue steps). Any thread.
QColor classColor(int id);

/// Checkpoints (*.pth) in a run folder, the regular/EMA "last" one first, then best, then periodic. Any thread.
QStringList checkpointsIn(const QString& runDir);

/// The dataset folder (holding valid/) of `config` when it is local or the demo already generated; "" for
/// a Hub dataset not resolvable here. Any thread.
QString localDatasetDir(const RunConfig& config);

/// The validation split of a COCO dataset folder: image paths and their ground-truth boxes.
class ValidSplit {
public:
    ValidSplit();
    ~ValidSplit();
    /// Loads <dir>/valid/_annotations.coco.json; false with `error` (file and fix) otherwise. GUI thread.
    bool load(const QString& datasetDir, QString* error);
    bool loaded() const { return m_index != nullptr; }
    QStringList imagePaths() const;
    /// Ground truth of an image path from this split; nullopt for other images.
    std::optional<std::vector<PreviewBox>> groundTruth(const QString& imagePath) const;

private:
    std::unique_ptr<CocoIndex> m_index;
    QString m_dir;
};

}  // namespace studio::ui
