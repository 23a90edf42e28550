#include "ui/preview/train_batch_view.h"

#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QLabel>
#include <QVBoxLayout>

#include "base/run/run_folder.h"
#include "ui/preview/detection_canvas.h"

namespace studio::ui {

TrainBatchView::TrainBatchView(QWidget* parent) : QWidget(parent) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(0, 0, 0, 0);
    m_canvas = new DetectionCanvas(tr("First training batch"), this);
    m_canvas->setObjectName(QStringLiteral("previewTrainBatchCanvas"));
    m_canvas->setPlainImage(true);
    v->addWidget(m_canvas, 1);
    m_caption = new QLabel(this);
    m_caption->setObjectName(QStringLiteral("previewTrainBatchCaption"));
    m_caption->setWordWrap(true);
    m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_caption->setStyleSheet(QStringLiteral("color: #607d8b;"));
    v->addWidget(m_caption);
}

QString TrainBatchView::path() const {
    if (m_runDir.isEmpty()) return QString();
    return QDir::cleanPath(QString::fromStdString(RunFolder{m_runDir.toStdString()}.trainBatchPreview()));
}

bool TrainBatchView::setRunDir(const QString& runDir) {
    if (runDir != m_runDir) m_loaded = false;
    m_runDir = runDir;
    const QFileInfo info(path());
    m_available = !m_runDir.isEmpty() && info.isFile();
    if (!m_available) {
        m_loaded = false;
        m_canvas->setPlaceholder(unavailableReason());
    } else if (m_loaded && (info.lastModified() != m_loadedModified || info.size() != m_loadedSize)) {
        load();  // rewritten by a fresh run in the same folder
    }
    return m_available;
}

QString TrainBatchView::unavailableReason() const {
    if (m_available) return QString();
    if (m_runDir.isEmpty()) return tr("No run folder yet: start a run or open one (Runs tab)");
    return tr("No train_batch0.png in %1 yet: the trainer writes it at the run's first training step "
              "(runs made before Studio 2026.11 have none)").arg(QDir::toNativeSeparators(m_runDir));
}

void TrainBatchView::load() {
    const QString file = path();
    const QFileInfo info(file);
    m_caption->setText(tr("The first batch as the model received it: augmented and resized, with the target boxes "
                          "and their class names. Wrong boxes, classes or colours here mean the data, not the "
                          "model, is the problem. %1").arg(QDir::toNativeSeparators(file)));
    QImageReader reader(file);
    const QImage image = reader.read();
    if (image.isNull()) {
        m_loaded = false;
        m_canvas->setPlaceholder(tr("Cannot read %1: %2").arg(QDir::toNativeSeparators(file), reader.errorString()));
        return;
    }
    m_canvas->setImage(image);
    m_canvas->setBoxes({});  // the boxes are drawn into the PNG by the trainer
    m_loaded = true;
    m_loadedModified = info.lastModified();
    m_loadedSize = info.size();
}

}  // namespace studio::ui
