#include "ui/main/main_window.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QWidget>

#include "base/config/config_fields.h"
#include "base/config/run_config.h"

namespace studio::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("RF-DETR Studio"));
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    auto* form = new QFormLayout;
    const RunConfig def = defaultRunConfig();

    auto* dataset = new QLineEdit(QString::fromStdString(def.dataset), central);
    form->addRow(tr("Dataset"), dataset);
    auto* size = new QComboBox(central);
    for (const auto& s : modelSizeSpecs()) size->addItem(QString::fromUtf8(s.name));
    size->setCurrentText(QString::fromUtf8(nameOf(def.modelSize)));
    form->addRow(tr("Model size"), size);

    auto spin = [&](int value, int min, int max, const char* key) {
        auto* sb = new QSpinBox(central);
        sb->setRange(min, max);
        sb->setValue(value);
        if (const ConfigField* f = findFieldByKey(key)) sb->setToolTip(QString::fromStdString(f->help));
        connect(sb, qOverload<int>(&QSpinBox::valueChanged), this, &MainWindow::updateEffectiveBatch);
        return sb;
    };
    m_batch = spin(def.batchSize, 1, 4096, "batch_size");
    m_accum = spin(def.gradAccumSteps, 1, 4096, "grad_accum_steps");
    m_gpus = spin(def.numGpus, 1, 64, "num_gpus");
    form->addRow(tr("Batch size per GPU"), m_batch);
    form->addRow(tr("Gradient accumulation"), m_accum);
    form->addRow(tr("GPUs"), m_gpus);
    layout->addLayout(form);
    m_effective = new QLabel(central);
    m_effective->setObjectName("effectiveBatch");
    layout->addWidget(m_effective);
    layout->addStretch();
    setCentralWidget(central);
    updateEffectiveBatch();
    resize(900, 600);
}

void MainWindow::updateEffectiveBatch() {
    const std::string formula = effectiveBatchFormula(m_batch->value(), m_accum->value(), m_gpus->value());
    m_effective->setText(tr("Effective batch = %1").arg(QString::fromStdString(formula)));
}

}  // namespace studio::ui
