#include "ui/main/about_dialog.h"

#include <QDialogButtonBox>
#include <QIcon>
#include <QLabel>
#include <QTabWidget>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include "base/gpu/nvml.h"
#include "studio_version.h"

namespace studio::ui {

QString AboutDialog::versionsText(const QString& trainerLine) {
    Nvml& nvml = Nvml::instance();
    const QString driver = nvml.available() ? QString::fromStdString(nvml.driverVersion())
                                            : tr("not available (%1)").arg(QString::fromStdString(nvml.error()));
    return tr("RF-DETR Studio %1\nQt %2 (built with %3)\nQCustomPlot %4\nTrainer: %5\nNVIDIA driver (NVML): %6")
        .arg(QStringLiteral(STUDIO_VERSION), QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR),
             QStringLiteral(QCUSTOMPLOT_VERSION_STR), trainerLine.isEmpty() ? tr("not checked yet") : trainerLine, driver);
}

QString AboutDialog::licencesHtml() {
    return tr(
        "<p><b>RF-DETR Studio</b> is free software: you can redistribute it and/or modify it under the terms of the "
        "GNU General Public License, version 3 or (at your option) any later version (GPL-3.0-or-later). It comes "
        "with no warranty.</p>"
        "<p>It uses:</p><ul>"
        "<li><b>Qt 6</b> — LGPL-3.0 (The Qt Company and contributors)</li>"
        "<li><b>QCustomPlot</b> — GPL-3.0 (Emanuel Eichhammer)</li>"
        "<li><b>spdlog</b> — MIT (Gabi Melman)</li>"
        "<li><b>nlohmann/json</b> — MIT (Niels Lohmann)</li>"
        "<li><b>libcurl</b> — curl licence (MIT-style); <b>zlib</b>, <b>zstd</b> (BSD), <b>libpng</b>, "
        "<b>libjpeg-turbo</b> (IJG/BSD)</li>"
        "<li>The trainer, <b>rfdetr-train</b>, uses <b>LibTorch</b> (PyTorch, BSD-3-Clause) and, on GPUs, "
        "<b>NCCL</b> (BSD-3-Clause) and the CUDA runtime (NVIDIA licence)</li>"
        "<li><b>NVML</b> (libnvidia-ml) is part of the NVIDIA driver and is loaded at run time when present</li>"
        "</ul><p>The RF-DETR model architecture and training recipe follow Roboflow's rf-detr (Apache-2.0); "
        "DINOv2 is Meta's (Apache-2.0).</p>");
}

AboutDialog::AboutDialog(const QString& trainerLine, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("About RF-DETR Studio"));
    auto* v = new QVBoxLayout(this);
    auto* head = new QLabel(this);
    head->setPixmap(QIcon(QStringLiteral(":/icons/app.svg")).pixmap(64, 64));
    auto* title = new QLabel(tr("<h2>RF-DETR Studio %1</h2><p>Train RF-DETR object detectors on your own "
                                "hardware, watch them learn.</p>").arg(QStringLiteral(STUDIO_VERSION)), this);
    auto* top = new QHBoxLayout;
    top->addWidget(head);
    top->addWidget(title, 1);
    v->addLayout(top);
    auto* tabs = new QTabWidget(this);
    auto* versions = new QTextBrowser(tabs);
    versions->setObjectName(QStringLiteral("versions"));
    versions->setPlainText(versionsText(trainerLine));
    tabs->addTab(versions, tr("Versions"));
    auto* licences = new QTextBrowser(tabs);
    licences->setHtml(licencesHtml());
    tabs->addTab(licences, tr("Licences"));
    v->addWidget(tabs, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    v->addWidget(buttons);
    resize(560, 420);
}

}  // namespace studio::ui
