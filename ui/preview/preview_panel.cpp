#include "ui/preview/preview_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <nlohmann/json.hpp>

#include "ui/preview/detection_canvas.h"
#include "ui/preview/train_batch_view.h"

namespace studio::ui {

PreviewPanel::PreviewPanel(TrainerProcessFactory factory, QWidget* parent)
    : QWidget(parent), m_runner(new CommandRunner(std::move(factory), this)) {
    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(4, 4, 4, 4);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Checkpoint:"), this));
    m_checkpoint = new QComboBox(this);
    m_checkpoint->setObjectName(QStringLiteral("previewCheckpoint"));
    m_checkpoint->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_checkpoint->setMinimumContentsLength(24);
    top->addWidget(m_checkpoint, 1);
    auto* browseCkpt = new QPushButton(tr("Other…"), this);
    top->addWidget(browseCkpt);
    m_ema = new QCheckBox(tr("EMA weights"), this);
    m_ema->setChecked(true);
    m_ema->setToolTip(tr("Use the checkpoint's EMA weights (what the best_ema checkpoint scores with)"));
    top->addWidget(m_ema);
    auto* labels = new QCheckBox(tr("Labels"), this);
    labels->setChecked(true);
    labels->setToolTip(tr("Class and score above each box (turn off for dense pages)"));
    top->addWidget(labels);
    top->addSpacing(12);
    top->addWidget(new QLabel(tr("Score ≥"), this));
    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName(QStringLiteral("previewThreshold"));
    m_slider->setRange(qRound(kMinScore * 100), 100);
    m_slider->setValue(50);
    m_slider->setMaximumWidth(200);
    top->addWidget(m_slider);
    m_thresholdLabel = new QLabel(this);
    m_thresholdLabel->setMinimumWidth(32);
    top->addWidget(m_thresholdLabel);
    v->addLayout(top);

    auto* split = new QSplitter(Qt::Horizontal, this);
    auto* left = new QWidget(split);
    auto* lv = new QVBoxLayout(left);
    lv->setContentsMargins(0, 0, 0, 0);
    auto* sources = new QHBoxLayout;
    auto* valid = new QPushButton(tr("Validation split…"), left);
    valid->setToolTip(tr("Images of a COCO dataset folder's valid/ split, with their ground truth"));
    auto* files = new QPushButton(tr("Add files…"), left);
    sources->addWidget(valid);
    sources->addWidget(files);
    lv->addLayout(sources);
    m_images = new QListWidget(left);
    m_images->setObjectName(QStringLiteral("previewImages"));
    lv->addWidget(m_images, 1);
    m_trainBatchButton = new QPushButton(tr("First training batch"), left);
    m_trainBatchButton->setObjectName(QStringLiteral("previewTrainBatch"));
    m_trainBatchButton->setCheckable(true);
    lv->addWidget(m_trainBatchButton);
    split->addWidget(left);
    m_views = new QStackedWidget(split);
    auto* canvases = new QSplitter(Qt::Horizontal, m_views);
    m_pred = new DetectionCanvas(tr("Prediction"), canvases);
    m_truth = new DetectionCanvas(tr("Ground truth"), canvases);
    canvases->addWidget(m_pred);
    canvases->addWidget(m_truth);
    m_views->addWidget(canvases);
    m_trainBatchView = new TrainBatchView(m_views);
    m_views->addWidget(m_trainBatchView);
    split->addWidget(m_views);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({220, 1000});
    v->addWidget(split, 1);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("previewStatus"));
    m_status->setWordWrap(true);
    v->addWidget(m_status);
    m_pred->setPlaceholder(tr("Choose a checkpoint and an image"));
    m_truth->setPlaceholder(tr("Ground truth shows for images of the validation split"));

    connect(m_slider, &QSlider::valueChanged, this, [this] {
        m_thresholdLabel->setText(QString::number(threshold(), 'f', 2));
        m_pred->setThreshold(threshold());
    });
    connect(labels, &QCheckBox::toggled, this, [this](bool on) {
        m_pred->setShowLabels(on);
        m_truth->setShowLabels(on);
    });
    connect(browseCkpt, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Checkpoint"), m_runDir, tr("Checkpoints (*.pth)"));
        if (!f.isEmpty()) setCheckpoint(f);
    });
    connect(valid, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("COCO dataset folder (holding valid/)"));
        QString error;
        if (!d.isEmpty() && !setDatasetDir(d, &error)) setStatus(error, true);
    });
    connect(files, &QPushButton::clicked, this, [this] {
        addImages(QFileDialog::getOpenFileNames(this, tr("Images"), QString(), tr("Images (*.jpg *.jpeg *.png *.bmp)")));
    });
    connect(m_images, &QListWidget::currentRowChanged, this, &PreviewPanel::selectImage);
    connect(m_images, &QListWidget::itemClicked, this, [this] { showTrainBatch(false); });
    connect(m_trainBatchButton, &QPushButton::toggled, this, &PreviewPanel::showTrainBatch);
    connect(m_checkpoint, &QComboBox::currentIndexChanged, this, [this] { showCurrent(); });
    connect(m_ema, &QCheckBox::toggled, this, [this] { showCurrent(); });
    connect(m_runner, &CommandRunner::finished, this, &PreviewPanel::onFinished);
    connect(m_runner, &CommandRunner::outputReady, this, &PreviewPanel::onOutput);
    connect(m_runner, &CommandRunner::failedToStart, this, [this](const QString& msg) {
        m_batch.clear();
        m_pred->setPlaceholder(tr("Could not start the trainer"));
        setStatus(tr("Could not start %1: %2").arg(m_trainer, msg), true);
    });
    m_thresholdLabel->setText(QString::number(threshold(), 'f', 2));
    m_pred->setThreshold(threshold());
    refreshTrainBatch();
}

void PreviewPanel::setTrainerPath(const QString& path) {
    const bool found = m_trainer.isEmpty() && !path.isEmpty();
    m_trainer = path;
    if (found && !trainBatchShown()) showCurrent();  // was showing "No usable rfdetr-train"
}

double PreviewPanel::threshold() const { return m_slider->value() / 100.0; }

void PreviewPanel::setThreshold(double t) { m_slider->setValue(qRound(t * 100)); }

QString PreviewPanel::checkpoint() const { return m_checkpoint->currentData().toString(); }

QStringList PreviewPanel::images() const {
    QStringList out;
    for (int i = 0; i < m_images->count(); ++i) out << m_images->item(i)->data(Qt::UserRole).toString();
    return out;
}

QString PreviewPanel::statusText() const { return m_status->text(); }

void PreviewPanel::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QStringLiteral("color: #607d8b;"));
}

void PreviewPanel::setRunDir(const QString& runDir) {
    m_runDir = runDir;
    const QString keep = checkpoint();
    const QSignalBlocker block(m_checkpoint);
    m_checkpoint->clear();
    for (const QString& f : checkpointsIn(runDir)) m_checkpoint->addItem(QFileInfo(f).fileName(), f);
    const int at = m_checkpoint->findData(keep);
    if (at >= 0) m_checkpoint->setCurrentIndex(at);
    else if (!keep.isEmpty() && QFileInfo::exists(keep)) setCheckpoint(keep);
    refreshTrainBatch();
}

void PreviewPanel::refreshTrainBatch() {
    const bool there = m_trainBatchView->setRunDir(m_runDir);
    m_trainBatchButton->setEnabled(there);
    m_trainBatchButton->setToolTip(there ? tr("Show %1: the first batch as the model received it (augmented and resized, "
                                              "with the target boxes). Look here first when a model does not learn.")
                                               .arg(QDir::toNativeSeparators(m_trainBatchView->path()))
                                         : m_trainBatchView->unavailableReason());
    if (!there && trainBatchShown()) showTrainBatch(false);
}

bool PreviewPanel::hasTrainBatch() const { return m_trainBatchView->available(); }

bool PreviewPanel::trainBatchShown() const { return m_views->currentWidget() == m_trainBatchView; }

DetectionCanvas* PreviewPanel::trainBatchCanvas() const { return m_trainBatchView->canvas(); }

void PreviewPanel::showTrainBatch(bool show) {
    show = show && m_trainBatchView->available();
    {
        const QSignalBlocker block(m_trainBatchButton);
        m_trainBatchButton->setChecked(show);
    }
    if (show) m_trainBatchView->load();
    m_views->setCurrentWidget(show ? static_cast<QWidget*>(m_trainBatchView) : m_views->widget(0));
}

void PreviewPanel::setCheckpoint(const QString& path) {
    int at = m_checkpoint->findData(path);
    if (at < 0) {
        m_checkpoint->addItem(QFileInfo(path).fileName(), path);
        at = m_checkpoint->count() - 1;
    }
    m_checkpoint->setCurrentIndex(at);
}

void PreviewPanel::setUseEma(bool ema) { m_ema->setChecked(ema); }

bool PreviewPanel::setDatasetDir(const QString& datasetDir, QString* error) {
    if (!m_split.load(datasetDir, error)) return false;
    {
        const QSignalBlocker block(m_images);
        m_images->clear();
    }
    addImages(m_split.imagePaths());
    setStatus(tr("%n validation image(s) from %1", nullptr, m_images->count()).arg(datasetDir));
    return true;
}

void PreviewPanel::addImages(const QStringList& files) {
    for (const QString& f : files) {
        auto* item = new QListWidgetItem(QFileInfo(f).fileName(), m_images);
        item->setData(Qt::UserRole, QFileInfo(f).absoluteFilePath());
        item->setToolTip(f);
    }
    if (m_images->currentRow() < 0 && m_images->count() > 0) m_images->setCurrentRow(0);
}

QString PreviewPanel::cacheKey(const QString& image) const {
    return checkpoint() + QLatin1Char('|') + (m_ema->isChecked() ? QLatin1Char('e') : QLatin1Char('r')) + QLatin1Char('|') + image;
}

void PreviewPanel::selectImage(int row) {
    showTrainBatch(false);  // choosing an image goes back to prediction and ground truth
    if (row != m_images->currentRow()) {
        m_images->setCurrentRow(row);  // comes back here through currentRowChanged
        return;
    }
    showCurrent();
}

void PreviewPanel::showCurrent() {
    const int row = m_images->currentRow();
    if (row < 0) return;
    const QString path = m_images->item(row)->data(Qt::UserRole).toString();
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QImage image = reader.read();
    if (image.isNull()) {
        m_pred->setPlaceholder(tr("Cannot read %1: %2").arg(path, reader.errorString()));
        m_truth->setPlaceholder(QString());
        return;
    }
    m_truth->setImage(image);
    if (const auto gt = m_split.groundTruth(path)) m_truth->setBoxes(*gt);
    else m_truth->setPlaceholder(tr("No ground truth for this file"));
    m_pred->setImage(image);
    m_pred->setBoxes({});
    if (const auto e = m_errors.constFind(cacheKey(path)); e != m_errors.cend()) {
        m_pred->setPlaceholder(tr("rfdetr-train could not read this image"));
        setStatus(*e, true);
        return;
    }
    const auto it = m_cache.constFind(cacheKey(path));
    if (it != m_cache.cend()) {
        m_pred->setBoxes(it->boxes);
        setStatus(tr("%1: %n detection(s) ≥ %2 on %3 in %4 ms", nullptr, int(it->boxes.size()))
                      .arg(QFileInfo(path).fileName()).arg(kMinScore).arg(it->device).arg(it->milliseconds, 0, 'f', 0));
        return;
    }
    predictCurrent();
}

void PreviewPanel::predictCurrent() {
    const int row = m_images->currentRow();
    if (row < 0) return;
    if (checkpoint().isEmpty()) {
        m_pred->setPlaceholder(tr("No checkpoint: train for an epoch, or choose one with Other…"));
        return;
    }
    if (m_trainer.isEmpty()) {
        m_pred->setPlaceholder(tr("No usable rfdetr-train (Settings → Trainer)"));
        return;
    }
    const QString image = m_images->item(row)->data(Qt::UserRole).toString();
    const QString prefix = cacheKey(QString());
    if (m_runner->busy() && m_batchPrefix == prefix && m_batch.contains(image)) {
        setStatus(tr("%1 is in the running batch: its boxes appear when it is done …").arg(QFileInfo(image).fileName()));
        return;
    }
    m_batch = {image};
    for (int r = row + 1; r < m_images->count() && m_batch.size() < kBatch; ++r) {
        const QString next = m_images->item(r)->data(Qt::UserRole).toString();
        if (!m_cache.contains(prefix + next) && !m_errors.contains(prefix + next)) m_batch << next;
    }
    m_batchPrefix = prefix;
    m_batchResults = 0;
    m_lines = LineBuffer();
    QStringList args = {QStringLiteral("predict"), QStringLiteral("--weights"), checkpoint()};
    for (const QString& i : m_batch) args << QStringLiteral("--image") << i;
    args << QStringLiteral("--threshold") << QString::number(kMinScore) << QStringLiteral("--json");
    if (m_ema->isChecked()) args << QStringLiteral("--ema");
    TrainerLaunch spec;
    spec.program = m_trainer;
    spec.arguments = args;
    spec.workingDirectory = m_runDir.isEmpty() ? QFileInfo(checkpoint()).absolutePath() : m_runDir;
    setStatus(tr("Running %1 on %2 (and %n more) …", nullptr, int(m_batch.size()) - 1)
                  .arg(QFileInfo(checkpoint()).fileName(), QFileInfo(image).fileName()));
    m_runner->start(spec);  // a previous batch still running is cancelled: the newest choice wins
}

bool PreviewPanel::takeResultLine(const QByteArray& line) {
    const QByteArray t = line.trimmed();
    if (!t.startsWith('{') || !t.endsWith('}')) return false;
    // An image predict could not read: {"image": ..., "error": ...}.
    if (t.contains("\"error\"") && !t.contains("\"detections\"")) {
        const auto j = nlohmann::json::parse(t.constData(), t.constData() + t.size(), nullptr, false);
        if (!j.is_object() || !j.contains("image") || !j["image"].is_string()) return false;
        m_errors.insert(m_batchPrefix + QString::fromStdString(j["image"].get<std::string>()),
                        QString::fromStdString(j.value("error", std::string())));
    } else {
        auto p = parsePredictJson(t, nullptr);
        if (!p) return false;
        // Keyed by what was asked, not the current choice (it may have changed while this ran).
        m_cache.insert(m_batchPrefix + (p->image.isEmpty() && m_batch.size() == 1 ? m_batch.front() : p->image), *p);
    }
    ++m_batchResults;
    return true;
}

void PreviewPanel::onOutput(const QByteArray& bytes) {
    const int row = m_images->currentRow();
    const QString key = row >= 0 ? cacheKey(m_images->item(row)->data(Qt::UserRole).toString()) : QString();
    const bool had = m_cache.contains(key) || m_errors.contains(key);
    for (const QByteArray& line : m_lines.append(bytes)) takeResultLine(line);
    if (!had && (m_cache.contains(key) || m_errors.contains(key))) showCurrent();  // the chosen image is in
}

void PreviewPanel::onFinished(int code, bool crashed, const QByteArray& out, const QByteArray& err) {
    takeResultLine(m_lines.takeRest());
    // A trainer that pretty-prints its one object (a single image) comes as one piece at the end.
    if (m_batchResults == 0 && m_batch.size() == 1) {
        if (auto p = parsePredictJson(out, nullptr)) {
            m_cache.insert(m_batchPrefix + m_batch.front(), *p);
            ++m_batchResults;
        }
    }
    const QStringList batch = m_batch;
    m_batch.clear();
    const int row = m_images->currentRow();
    const QString current = row >= 0 ? m_images->item(row)->data(Qt::UserRole).toString() : QString();
    const QString key = cacheKey(current);
    if (m_cache.contains(key) || m_errors.contains(key)) {
        showCurrent();
        return;
    }
    if (!batch.contains(current) || !key.startsWith(m_batchPrefix)) return;
    m_pred->setPlaceholder(tr("Prediction failed"));
    if (crashed || code != 0) {
        const QString last = QString::fromUtf8(err).trimmed().section(QLatin1Char('\n'), -3);
        setStatus(tr("rfdetr-train predict failed (exit %1): %2").arg(code).arg(last.isEmpty() ? tr("no message") : last), true);
    } else {
        QString why;
        parsePredictJson(out, &why);
        setStatus(why, true);
    }
}

}  // namespace studio::ui
