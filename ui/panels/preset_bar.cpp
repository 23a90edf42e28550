#include "ui/panels/preset_bar.h"

#include <QGridLayout>
#include <QInputDialog>
#include <QMenu>
#include <QPushButton>

#include "ui/config/presets.h"
#include "ui/config/run_config_model.h"

namespace studio::ui {

namespace {
constexpr int kColumns = 3;
}

PresetBar::PresetBar(PresetListModel* presets, RunConfigModel* model, QWidget* parent)
    : QWidget(parent), m_presets(presets), m_model(model), m_grid(new QGridLayout(this)) {
    m_grid->setContentsMargins(0, 0, 0, 0);
    m_grid->setSpacing(4);
    connect(m_presets, &QAbstractItemModel::modelReset, this, &PresetBar::rebuild);
    connect(m_presets, &QAbstractItemModel::rowsInserted, this, &PresetBar::rebuild);
    connect(m_presets, &QAbstractItemModel::rowsRemoved, this, &PresetBar::rebuild);
    connect(m_presets, &QAbstractItemModel::dataChanged, this, &PresetBar::rebuild);
    rebuild();
}

void PresetBar::rebuild() {
    while (QLayoutItem* item = m_grid->takeAt(0)) {
        if (QWidget* w = item->widget()) {  // may be the button whose signal led here
            w->hide();
            w->deleteLater();
        }
        delete item;
    }
    int i = 0;
    for (; i < m_presets->count(); ++i) {
        const Preset& p = m_presets->preset(i);
        auto* b = new QPushButton(p.name, this);
        b->setObjectName(QStringLiteral("preset_") + p.id);
        b->setToolTip(p.description + (p.builtIn ? QString() : tr("\n(your preset: right-click to remove)")));
        connect(b, &QPushButton::clicked, this, [this, i] {
            const Preset& preset = m_presets->preset(i);
            const QStringList rejected = applyPreset(preset, *m_model);
            emit message(rejected.isEmpty()
                             ? tr("%1: %2").arg(preset.name, m_model->effectiveBatchText())
                             : tr("%1 applied, except %2 (not valid in this version)").arg(preset.name, rejected.join(", ")));
        });
        if (!p.builtIn) {
            b->setContextMenuPolicy(Qt::CustomContextMenu);
            connect(b, &QWidget::customContextMenuRequested, this, [this, b, i](const QPoint& pos) {
                QMenu menu;
                QAction* remove = menu.addAction(tr("Remove this preset"));
                if (menu.exec(b->mapToGlobal(pos)) == remove && !m_presets->removeUserPreset(i))
                    emit message(m_presets->lastError());
            });
        }
        m_grid->addWidget(b, i / kColumns, i % kColumns);
    }
    auto* save = new QPushButton(tr("Save as preset…"), this);
    save->setObjectName(QStringLiteral("savePreset"));
    save->setToolTip(tr("Save the current batch size, accumulation, GPU count, device and model size as a preset"));
    connect(save, &QPushButton::clicked, this, &PresetBar::saveCurrent);
    m_grid->addWidget(save, i / kColumns, i % kColumns);
}

void PresetBar::saveCurrent() {
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save preset"), tr("Preset name:"), QLineEdit::Normal,
                                               QString(), &ok).trimmed();
    if (!ok || name.isEmpty()) return;
    if (!m_presets->saveUserPreset(presetFromModel(name, *m_model)))
        emit message(m_presets->lastError());
    else
        emit message(tr("Saved preset \"%1\" to %2").arg(name, m_presets->userFile()));
}

}  // namespace studio::ui
