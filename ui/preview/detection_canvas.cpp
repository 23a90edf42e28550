#include "ui/preview/detection_canvas.h"

#include <cmath>

#include <QPainter>
#include <QPainterPath>

namespace studio::ui {

DetectionCanvas::DetectionCanvas(const QString& title, QWidget* parent) : QWidget(parent), m_title(title) {
    setMinimumSize(240, 240);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void DetectionCanvas::setImage(const QImage& image) {
    m_image = image;
    m_placeholder.clear();
    update();
}

void DetectionCanvas::setBoxes(const std::vector<PreviewBox>& boxes) {
    m_boxes = boxes;
    update();
}

void DetectionCanvas::setThreshold(double threshold) {
    m_threshold = threshold;
    update();
}

void DetectionCanvas::setPlaceholder(const QString& text) {
    m_placeholder = text;
    if (!text.isEmpty()) m_boxes.clear();
    update();
}

void DetectionCanvas::setShowLabels(bool show) {
    m_labels = show;
    update();
}

void DetectionCanvas::setPlainImage(bool plain) {
    m_plain = plain;
    update();
}

QSize DetectionCanvas::imageSize() const { return m_placeholder.isEmpty() ? m_image.size() : QSize(); }

int DetectionCanvas::visibleCount() const {
    int n = 0;
    for (const auto& b : m_boxes) n += b.score >= m_threshold;
    return n;
}

QString DetectionCanvas::caption() const {
    if (!m_placeholder.isEmpty() || m_image.isNull()) return m_title;
    if (m_plain) return tr("%1 — %2×%3 px").arg(m_title).arg(m_image.width()).arg(m_image.height());
    return tr("%1 — %n box(es)", nullptr, visibleCount()).arg(m_title);
}

void DetectionCanvas::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().window());
    const int captionH = fontMetrics().height() + 6;
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.drawText(QRect(4, 0, width() - 8, captionH), Qt::AlignLeft | Qt::AlignVCenter, caption());
    p.setFont(font());
    const QRect area = rect().adjusted(4, captionH, -4, -4);
    if (!m_placeholder.isEmpty() || m_image.isNull()) {
        p.setPen(QColor(96, 125, 139));
        p.drawRect(area.adjusted(0, 0, -1, -1));
        p.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, m_placeholder.isEmpty() ? tr("No image") : m_placeholder);
        return;
    }
    QSizeF scaled = QSizeF(m_image.size()).scaled(area.size(), Qt::KeepAspectRatio);
    // A plain image blown up keeps its pixels square and sharp (whole multiples, no smoothing): what the model
    // got, not a blur; shrunk, it is smoothed so the trainer's captions stay legible.
    const double fit = scaled.width() / std::max(1, m_image.width());
    if (m_plain && fit >= 2) scaled = QSizeF(m_image.size()) * std::floor(fit);
    const QRectF target(area.x() + (area.width() - scaled.width()) / 2, area.y() + (area.height() - scaled.height()) / 2,
                        scaled.width(), scaled.height());
    p.setRenderHint(QPainter::SmoothPixmapTransform, m_plain && fit < 1);
    p.drawImage(target, m_image);
    p.setPen(QPen(QColor(144, 164, 174), 1));
    p.drawRect(target.adjusted(-0.5, -0.5, 0.5, 0.5));  // pale pages need an edge against the window
    const double s = scaled.width() / std::max(1, m_image.width());
    const QFontMetrics fm(font());
    // Lowest scores first, so the most confident boxes and labels end up on top.
    for (auto it = m_boxes.rbegin(); it != m_boxes.rend(); ++it) {
        const PreviewBox& b = *it;
        if (b.score < m_threshold) continue;
        const QColor c = classColor(b.classId);
        const QRectF r(target.x() + b.box.x() * s, target.y() + b.box.y() * s, b.box.width() * s, b.box.height() * s);
        p.setPen(QPen(c, 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(r);
        if (!m_labels) continue;
        QString label = b.className.isEmpty() ? QString::number(b.classId) : b.className;
        if (b.score < 1.0) label += QStringLiteral(" %1").arg(b.score, 0, 'f', 2);
        const QRectF lr(r.x(), std::max(target.y(), r.y() - fm.height()), fm.horizontalAdvance(label) + 6, fm.height());
        p.fillRect(lr, c);
        p.setPen(c.lightness() > 150 ? Qt::black : Qt::white);
        p.drawText(lr, Qt::AlignCenter, label);
    }
}

}  // namespace studio::ui
