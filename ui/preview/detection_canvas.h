#pragma once
// An image with boxes drawn over it in class colours (label "class 0.87" above each box), scaled to fit
// and centred. Boxes below the score threshold are hidden; the title line says how many are shown.
#include <QImage>
#include <QWidget>
#include <vector>

#include "ui/preview/prediction.h"

namespace studio::ui {

class DetectionCanvas : public QWidget {
    Q_OBJECT
public:
    explicit DetectionCanvas(const QString& title, QWidget* parent = nullptr);

    void setImage(const QImage& image);
    void setBoxes(const std::vector<PreviewBox>& boxes);
    /// Boxes with score >= threshold are drawn (ground truth has score 1).
    void setThreshold(double threshold);
    /// Text shown instead of an image ("No ground truth for this file", "Running…").
    void setPlaceholder(const QString& text);
    /// Class/score captions above the boxes (off for dense pages).
    void setShowLabels(bool show);
    /// An image that carries its own boxes (train_batch0.png): enlarged by whole factors without smoothing,
    /// shrunk smoothly; the caption gives its pixel size instead of a box count. GUI thread.
    void setPlainImage(bool plain);
    /// Size in pixels of the image shown (empty when a placeholder is shown instead).
    QSize imageSize() const;
    int visibleCount() const;
    QString caption() const;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    QString m_title, m_placeholder;
    QImage m_image;
    std::vector<PreviewBox> m_boxes;
    double m_threshold = 0;
    bool m_labels = true;
    bool m_plain = false;
};

}  // namespace studio::ui
