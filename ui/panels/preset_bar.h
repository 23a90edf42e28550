#pragma once
// One button per preset (the guide's hardware setups, then the user's), plus "Save as preset…" and
// removing user presets from each button's context menu.
#include <QWidget>

class QGridLayout;

namespace studio::ui {

class PresetListModel;
class RunConfigModel;

class PresetBar : public QWidget {
    Q_OBJECT
public:
    PresetBar(PresetListModel* presets, RunConfigModel* model, QWidget* parent = nullptr);

signals:
    /// A preset was applied ("4× H100 80GB: effective batch 16 × 1 × 4 = 64") or failed to save.
    void message(const QString& text);

private:
    void rebuild();
    void saveCurrent();

    PresetListModel* m_presets;
    RunConfigModel* m_model;
    QGridLayout* m_grid;
};

}  // namespace studio::ui
