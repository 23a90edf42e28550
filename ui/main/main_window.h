#pragma once
#include <QMainWindow>

class QLabel;
class QSpinBox;

namespace studio::ui {

/// The Studio's main window. For now: the configuration form and the live effective-batch line.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

private:
    void updateEffectiveBatch();
    QLabel* m_effective = nullptr;
    QSpinBox* m_batch = nullptr;
    QSpinBox* m_accum = nullptr;
    QSpinBox* m_gpus = nullptr;
};

}  // namespace studio::ui
