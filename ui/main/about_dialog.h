#pragma once
// About RF-DETR Studio: versions (Studio, Qt, QCustomPlot, the trainer's LibTorch/CUDA as reported by
// `rfdetr-train --version`, the NVIDIA driver) and the third-party licences.
#include <QDialog>

namespace studio::ui {

class AboutDialog : public QDialog {
    Q_OBJECT
public:
    /// `trainerLine`: rfdetr-train's version line, or why it is unavailable.
    AboutDialog(const QString& trainerLine, QWidget* parent = nullptr);
    /// The versions block as plain text (also used by --version tests).
    static QString versionsText(const QString& trainerLine);
    static QString licencesHtml();
};

}  // namespace studio::ui
