#include "ui/panels/dataset_picker.h"

#include <QButtonGroup>
#include <QFileDialog>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>

#include "base/config/config_fields.h"
#include "ui/config/dataset_inspector.h"
#include "ui/config/run_config_model.h"
#include "ui/panels/field_editors.h"

namespace studio::ui {

DatasetPicker::DatasetPicker(RunConfigModel* model, QWidget* parent)
    : QWidget(parent), m_model(model), m_inspector(new DatasetInspector(this)) {
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setVerticalSpacing(4);
    m_demo = new QRadioButton(tr("&Demo forms (built in)"), this);
    m_demo->setToolTip(tr("Synthetic form pages with text fields, checkboxes and signatures: trains on a CPU in minutes"));
    m_folder = new QRadioButton(tr("COCO &folder"), this);
    m_hub = new QRadioButton(tr("&Hugging Face"), this);
    m_group = new QButtonGroup(this);
    for (auto* b : {m_demo, m_folder, m_hub}) m_group->addButton(b);
    m_folderEdit = new QLineEdit(this);
    m_folderEdit->setObjectName(QStringLiteral("datasetFolder"));
    m_folderEdit->setPlaceholderText(tr("folder with train/ valid/ test/"));
    m_browse = new QPushButton(tr("Browse…"), this);
    m_browse->setToolTip(tr("Choose the dataset folder (Roboflow COCO export layout)"));
    m_hubEdit = new QLineEdit(this);
    m_hubEdit->setObjectName(QStringLiteral("datasetHub"));
    m_hubEdit->setPlaceholderText(QStringLiteral("hf:jbarrow/CommonForms[@revision]"));
    if (const ConfigField* f = findFieldByKey("dataset")) {
        for (QWidget* w : std::initializer_list<QWidget*>{m_demo, m_folder, m_hub, m_folderEdit, m_hubEdit})
            w->setToolTip(w->toolTip().isEmpty() ? fieldToolTip(*f) : w->toolTip());
    }
    grid->addWidget(m_demo, 0, 0, 1, 3);
    grid->addWidget(m_folder, 1, 0);
    grid->addWidget(m_folderEdit, 1, 1);
    grid->addWidget(m_browse, 1, 2);
    grid->addWidget(m_hub, 2, 0);
    grid->addWidget(m_hubEdit, 2, 1, 1, 2);
    grid->setColumnStretch(1, 1);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("datasetSummary"));
    m_summary->setWordWrap(true);
    m_summary->setStyleSheet(QStringLiteral("color: #455a64;"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    grid->addWidget(m_summary, 3, 0, 1, 3);
    m_problem = new QLabel(this);
    m_problem->setObjectName(QStringLiteral("problem_dataset"));
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #c62828; font-size: small;"));
    m_problem->setVisible(false);
    grid->addWidget(m_problem, 4, 0, 1, 3);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(300);
    connect(&m_debounce, &QTimer::timeout, this, [this] {
        const QString spec = QString::fromStdString(m_model->config().dataset);
        if (spec == m_inspected) return;
        m_inspected = spec;
        m_summary->setText(tr("Reading…"));
        m_summary->setVisible(true);
        m_inspector->inspect(spec);
    });
    connect(m_inspector, &DatasetInspector::inspected, this, &DatasetPicker::onInspected);
    connect(m_group, &QButtonGroup::buttonToggled, this, [this](QAbstractButton*, bool on) {
        if (on) writeSpec();
    });
    connect(m_folderEdit, &QLineEdit::textEdited, this, [this] {
        m_folder->setChecked(true);
        writeSpec();
    });
    connect(m_hubEdit, &QLineEdit::textEdited, this, [this] {
        m_hub->setChecked(true);
        writeSpec();
    });
    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose the dataset folder"), m_folderEdit->text());
        if (!dir.isEmpty()) setDataset(dir);
    });
    connect(m_model, &RunConfigModel::changed, this, &DatasetPicker::syncFromModel);
    connect(m_model, &RunConfigModel::problemsChanged, this, [this] {
        const QStringList p = m_model->problemsFor(QStringLiteral("dataset"));
        m_problem->setText(p.join(QLatin1Char('\n')));
        m_problem->setVisible(!p.isEmpty());
    });
    syncFromModel();
}

void DatasetPicker::setDataset(const QString& spec) {
    m_model->setFieldText(QStringLiteral("dataset"), spec);
    syncFromModel();
}

QString DatasetPicker::summaryText() const { return m_summary->text(); }

bool DatasetPicker::busy() const { return m_inspector->busy() || m_debounce.isActive(); }

void DatasetPicker::writeSpec() {
    QString spec;
    if (m_demo->isChecked()) spec = QStringLiteral("demo");
    else if (m_folder->isChecked()) spec = m_folderEdit->text();
    else {
        spec = m_hubEdit->text().trimmed();
        if (!spec.isEmpty() && !spec.startsWith(QLatin1String("hf:"))) spec.prepend(QStringLiteral("hf:"));
    }
    m_model->setFieldText(QStringLiteral("dataset"), spec);
}

void DatasetPicker::syncFromModel() {
    const QString spec = QString::fromStdString(m_model->config().dataset);
    // The group emits buttonToggled itself: block it too, or checking a button would write the old text back.
    const QSignalBlocker b0(m_group), b1(m_demo), b2(m_folder), b3(m_hub);
    if (spec == QLatin1String("demo")) {
        m_demo->setChecked(true);
    } else if (spec.startsWith(QLatin1String("hf:"))) {
        if (!m_hubEdit->hasFocus()) m_hubEdit->setText(spec);
        m_hub->setChecked(true);
    } else {
        if (!m_folderEdit->hasFocus()) m_folderEdit->setText(spec);
        m_folder->setChecked(true);
    }
    if (spec != m_inspected) m_debounce.start();
}

void DatasetPicker::onInspected(const DatasetSummary& summary) {
    if (summary.spec != QString::fromStdString(m_model->config().dataset)) return;  // stale
    m_summary->setText(summary.text);
    m_summary->setVisible(!summary.text.isEmpty());
    m_model->setExternalProblems(QStringLiteral("dataset"), summary.problems);
    m_model->setTrainImages(summary.trainImages());
    m_model->setDatasetClasses(summary.classCount(), summary.classLogits());
}

}  // namespace studio::ui
