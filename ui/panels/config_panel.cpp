#include "ui/panels/config_panel.h"

#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QPushButton>
#include <QSet>
#include <QTextDocument>
#include <QToolButton>
#include <QVBoxLayout>

#include "base/config/config_fields.h"
#include "base/config/model_sizes.h"
#include "ui/config/run_config_model.h"
#include "ui/gpu/gpu_list_model.h"
#include "ui/panels/dataset_picker.h"
#include "ui/panels/field_editors.h"
#include "ui/panels/preset_bar.h"

namespace studio::ui {

namespace {

// Fields laid out by hand in the main sections; every other field goes under "Advanced".
const QSet<QString>& mainKeys() {
    static const QSet<QString> keys = {"dataset", "num_workers", "model_size", "pretrain_weights", "batch_size",
                                       "grad_accum_steps", "num_gpus", "device", "epochs", "lr", "output_dir",
                                       "resume"};
    return keys;
}

QGroupBox* section(const QString& title, QWidget* parent) {
    auto* g = new QGroupBox(title, parent);
    g->setFlat(false);
    return g;
}

QFormLayout* formIn(QWidget* w) {
    auto* f = new QFormLayout(w);
    f->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    f->setLabelAlignment(Qt::AlignRight | Qt::AlignVCenter);
    f->setVerticalSpacing(2);
    return f;
}

QString sizeItemText(const ModelSizeSpec& s) {
    return QObject::tr("%1 — %2 px, %3 M parameters (COCO)")
        .arg(QString::fromUtf8(s.name))
        .arg(s.resolution)
        .arg(QLocale().toString(s.parametersCoco / 1e6, 'f', 1));
}

}  // namespace

ConfigPanel::ConfigPanel(RunConfigModel* model, PresetListModel* presets, GpuListModel* gpus, QWidget* parent)
    : QWidget(parent), m_model(model), m_gpus(gpus) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);

    auto* presetBox = section(tr("Hardware presets"), this);
    auto* presetLayout = new QVBoxLayout(presetBox);
    m_presetBar = new PresetBar(presets, model, presetBox);
    connect(m_presetBar, &PresetBar::message, this, &ConfigPanel::message);
    presetLayout->addWidget(m_presetBar);
    layout->addWidget(presetBox);

    auto* dataBox = section(tr("Dataset"), this);
    auto* dataLayout = new QVBoxLayout(dataBox);
    m_dataset = new DatasetPicker(model, dataBox);
    dataLayout->addWidget(m_dataset);
    auto* dataForm = new QFormLayout;
    dataForm->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    (new FieldRow(QStringLiteral("num_workers"), model, dataBox))->addTo(dataForm);
    dataLayout->addLayout(dataForm);
    layout->addWidget(dataBox);

    auto* modelBox = section(tr("Model"), this);
    auto* modelForm = formIn(modelBox);
    auto* sizeCombo = new QComboBox(modelBox);
    for (const auto& s : modelSizeSpecs()) sizeCombo->addItem(sizeItemText(s), QString::fromUtf8(s.name));
    (new FieldRow(QStringLiteral("model_size"), sizeCombo, model, modelBox))->addTo(modelForm);
    (new FieldRow(QStringLiteral("pretrain_weights"), model, modelBox))->addTo(modelForm);
    layout->addWidget(modelBox);

    auto* batchBox = section(tr("Batch and hardware"), this);
    auto* batchForm = formIn(batchBox);
    (new FieldRow(QStringLiteral("batch_size"), model, batchBox))->addTo(batchForm);
    (new FieldRow(QStringLiteral("grad_accum_steps"), model, batchBox))->addTo(batchForm);
    m_gpuView = new QListView(batchBox);
    m_gpuView->setObjectName(QStringLiteral("gpuPicker"));
    m_gpuView->setModel(gpus);
    m_gpuView->setToolTip(tr("GPUs found through NVML. Check the ones to train on; none checked = the first "
                             "\"GPU count\" GPUs."));
    batchForm->addRow(tr("GPUs"), m_gpuView);
    auto* countRow = new FieldRow(QStringLiteral("num_gpus"), model, batchBox);
    m_gpuCount = countRow->editor();
    countRow->addTo(batchForm);
    (new FieldRow(QStringLiteral("device"), model, batchBox))->addTo(batchForm);
    batchForm->addRow(buildCalculator());
    layout->addWidget(batchBox);

    auto* trainBox = section(tr("Training"), this);
    auto* trainForm = formIn(trainBox);
    (new FieldRow(QStringLiteral("epochs"), model, trainBox))->addTo(trainForm);
    (new FieldRow(QStringLiteral("lr"), model, trainBox))->addTo(trainForm);
    auto* outputRow = new FieldRow(QStringLiteral("output_dir"), buildOutputRow(), model, trainBox);
    Q_UNUSED(outputRow);
    layout->addWidget(trainBox);

    m_advancedToggle = new QToolButton(this);
    m_advancedToggle->setObjectName(QStringLiteral("advancedToggle"));
    m_advancedToggle->setText(tr("Advanced options"));
    m_advancedToggle->setCheckable(true);
    m_advancedToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_advancedToggle->setArrowType(Qt::RightArrow);
    m_advancedToggle->setAutoRaise(true);
    layout->addWidget(m_advancedToggle);
    m_advanced = buildAdvanced();
    m_advanced->setVisible(false);
    layout->addWidget(m_advanced);
    connect(m_advancedToggle, &QToolButton::toggled, this, &ConfigPanel::setAdvancedExpanded);
    layout->addStretch(1);

    // The output row is a composite: put it into the training form by hand.
    auto* outputLabel = new QLabel(fieldTitle(QStringLiteral("output_dir")), trainBox);
    outputLabel->setBuddy(m_output);
    trainForm->addRow(outputLabel, m_output->parentWidget());
    trainForm->addRow(QString(), outputRow->problemLabel());

    connect(gpus, &GpuListModel::selectionChanged, this, &ConfigPanel::syncGpuSelection);
    connect(model, &RunConfigModel::changed, this, &ConfigPanel::updateCalculator);
    connect(gpus, &QAbstractItemModel::modelReset, this, &ConfigPanel::updateCalculator);
    updateCalculator();
}

QWidget* ConfigPanel::buildCalculator() {
    auto* box = new QFrame(this);
    box->setObjectName(QStringLiteral("calculator"));
    box->setFrameShape(QFrame::StyledPanel);
    box->setStyleSheet(QStringLiteral("#calculator { background: #eef3fb; border: 1px solid #c5d3ea; border-radius: 4px; }"));
    auto* v = new QVBoxLayout(box);
    v->setContentsMargins(8, 6, 8, 6);
    v->setSpacing(2);
    m_effective = new QLabel(box);
    m_effective->setObjectName(QStringLiteral("effectiveBatch"));
    QFont f = m_effective->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.2);
    m_effective->setFont(f);
    m_effective->setToolTip(tr("Images per optimiser step = batch size per GPU × gradient accumulation × GPUs "
                               "(processes). The RF-DETR docs target 16; the CommonForms guide uses 24–192."));
    m_steps = new QLabel(box);
    m_steps->setObjectName(QStringLiteral("stepsPerEpoch"));
    m_memory = new QLabel(box);
    m_memory->setObjectName(QStringLiteral("memoryEstimate"));
    m_memory->setWordWrap(true);
    m_memory->setStyleSheet(QStringLiteral("color: #607d8b;"));
    m_memory->setTextFormat(Qt::RichText);
    connect(m_memory, &QLabel::linkActivated, this, &ConfigPanel::memoryLinkActivated);
    m_sizeInfo = new QLabel(box);
    m_sizeInfo->setObjectName(QStringLiteral("modelSummary"));
    m_sizeInfo->setWordWrap(true);  // the parameter count's reasons make it two lines in a narrow panel
    m_sizeInfo->setStyleSheet(QStringLiteral("color: #607d8b;"));
    for (QLabel* l : {m_effective, m_steps, m_sizeInfo}) v->addWidget(l);
    auto* predictRow = new QHBoxLayout;
    m_predict = new QPushButton(tr("Predict memory/speed"), box);
    m_predict->setObjectName(QStringLiteral("predictButton"));
    m_predict->setToolTip(tr("Run a short measured probe (rfdetr-train plan) on the chosen device: peak memory per "
                             "device and images/s for this size, resolution and batch"));
    connect(m_predict, &QPushButton::clicked, this, &ConfigPanel::predictRequested);
    predictRow->addWidget(m_memory, 1);
    predictRow->addWidget(m_predict, 0, Qt::AlignTop);
    v->addLayout(predictRow);
    setMemoryEstimate(tr("Peak memory and speed: press Predict (a few measured steps on the device)."));
    return box;
}

QWidget* ConfigPanel::buildOutputRow() {
    auto* row = new QWidget(this);
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    m_output = new QLineEdit(row);
    m_output->setPlaceholderText(tr("folder for checkpoints, logs and events"));
    auto* browse = new QPushButton(tr("Browse…"), row);
    browse->setToolTip(tr("Choose the run folder (an existing run's folder offers Resume)"));
    auto* fresh = new QPushButton(tr("New"), row);
    fresh->setToolTip(tr("Use a new, empty folder next to the current one"));
    h->addWidget(m_output, 1);
    h->addWidget(browse);
    h->addWidget(fresh);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose the output folder"), m_output->text());
        if (!dir.isEmpty()) m_model->setFieldText(QStringLiteral("output_dir"), dir);
    });
    connect(fresh, &QPushButton::clicked, this,
            [this] { m_model->setFieldText(QStringLiteral("output_dir"), suggestNewOutputFolder()); });
    return m_output;
}

QWidget* ConfigPanel::buildAdvanced() {
    auto* w = new QWidget(this);
    w->setObjectName(QStringLiteral("advancedOptions"));
    auto* v = new QVBoxLayout(w);
    v->setContentsMargins(0, 0, 0, 0);
    QString group;
    QFormLayout* form = nullptr;
    for (const ConfigField& f : configFields()) {
        const QString key = QString::fromStdString(f.key);
        if (mainKeys().contains(key)) continue;
        const QString g = QString::fromStdString(f.group);
        if (g != group || !form) {
            group = g;
            auto* box = section(g, w);
            form = formIn(box);
            v->addWidget(box);
        }
        (new FieldRow(key, m_model, form->parentWidget()))->addTo(form);
    }
    return w;
}

void ConfigPanel::setAdvancedExpanded(bool expanded) {
    m_advanced->setVisible(expanded);
    m_advancedToggle->setArrowType(expanded ? Qt::DownArrow : Qt::RightArrow);
    if (m_advancedToggle->isChecked() != expanded) {
        const QSignalBlocker b(m_advancedToggle);
        m_advancedToggle->setChecked(expanded);
    }
}

bool ConfigPanel::advancedExpanded() const { return m_advanced->isVisible() || m_advancedToggle->isChecked(); }

void ConfigPanel::setMemoryEstimate(const QString& text, bool warning, const QString& link, const QString& linkText) {
    QString html = text.toHtmlEscaped();
    if (!link.isEmpty()) html += QStringLiteral(" <a href=\"%1\">%2</a>").arg(link.toHtmlEscaped(), linkText.toHtmlEscaped());
    m_memory->setText(html);
    m_memory->setStyleSheet(warning ? QStringLiteral("color: #c62828;") : QStringLiteral("color: #607d8b;"));
}

QString ConfigPanel::memoryEstimate() const {
    QTextDocument doc;
    doc.setHtml(m_memory->text());
    return doc.toPlainText();
}

void ConfigPanel::setPredicting(bool busy) {
    m_predict->setText(busy ? tr("Cancel prediction") : tr("Predict memory/speed"));
}

QString ConfigPanel::effectiveBatchText() const { return m_effective->text(); }

QString ConfigPanel::suggestNewOutputFolder() const {
    const QString current = QString::fromStdString(m_model->config().outputDir);
    QString parent = current.isEmpty() ? QDir::homePath() + QStringLiteral("/rfdetr-runs") : QFileInfo(current).absolutePath();
    const QString base = QStringLiteral("%1-%2-%3")
                             .arg(QString::fromUtf8(nameOf(m_model->config().modelSize)),
                                  m_model->config().dataset.rfind("hf:", 0) == 0 ? QStringLiteral("hub")
                                  : m_model->config().dataset == "demo"          ? QStringLiteral("demo")
                                                                                 : QFileInfo(QString::fromStdString(m_model->config().dataset)).fileName(),
                                  QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmm")));
    QString candidate = parent + QLatin1Char('/') + base;
    for (int i = 2; QFileInfo::exists(candidate); ++i) candidate = parent + QLatin1Char('/') + base + QStringLiteral("-%1").arg(i);
    return candidate;
}

void ConfigPanel::syncGpuSelection() {
    if (m_syncingGpus) return;
    m_syncingGpus = true;
    const std::vector<int> ids = m_gpus->checkedIndices();
    QStringList parts;
    for (int id : ids) parts << QString::number(id);
    m_model->setFieldText(QStringLiteral("gpu_ids"), parts.join(QLatin1Char(',')));
    if (!ids.empty()) m_model->setFieldText(QStringLiteral("num_gpus"), QString::number(ids.size()));
    m_syncingGpus = false;
    updateCalculator();
}

void ConfigPanel::updateCalculator() {
    m_effective->setText(m_model->effectiveBatchText());
    m_steps->setText(m_model->stepsPerEpochText());
    m_sizeInfo->setText(m_model->modelSummaryText());
    if (!m_syncingGpus) {
        m_syncingGpus = true;
        m_gpus->setCheckedIndices(m_model->config().gpuIds);
        m_syncingGpus = false;
    }
    const bool explicitGpus = !m_model->config().gpuIds.empty();
    m_gpuCount->setEnabled(!explicitGpus);
    m_gpuView->setEnabled(m_gpus->hasGpus());
    // One line for "CPU", up to four GPUs visible before scrolling.
    const int rows = qBound(1, m_gpus->rowCount(), 4);
    m_gpuView->setFixedHeight(rows * m_gpuView->sizeHintForRow(0) + 2 * m_gpuView->frameWidth() + 2);
}

}  // namespace studio::ui
