#include "ui/main/command_line.h"

#include <QFileInfo>

namespace studio::ui {

void addStudioOptions(QCommandLineParser& parser) {
    parser.setApplicationDescription(QObject::tr("RF-DETR Studio: configure, run and monitor RF-DETR training."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("dataset"), QObject::tr("Dataset: demo, a COCO folder or hf:owner/name[@rev]."),
                      QObject::tr("DATASET")});
    parser.addOption({QStringLiteral("output-dir"), QObject::tr("Run folder for the next training run."), QObject::tr("DIR")});
    parser.addOption({QStringLiteral("open-run"), QObject::tr("Open this run folder and show its curves."), QObject::tr("DIR")});
    parser.addOption({QStringLiteral("trainer"), QObject::tr("rfdetr-train to use in this session."), QObject::tr("FILE")});
    parser.addOption({QStringLiteral("screenshot"), QObject::tr("Save a PNG of the window after start-up and exit."),
                      QObject::tr("FILE")});
    parser.addOption({QStringLiteral("export-plots"),
                      QObject::tr("Write every plot (of the run given with --open-run) as PNG into DIR and exit."),
                      QObject::tr("DIR")});
    parser.addOption({QStringLiteral("tab"), QObject::tr("Centre tab to show at start: training, gpus, health, preview or compare."),
                      QObject::tr("NAME")});
    parser.addOption({QStringLiteral("screenshot-delay"), QObject::tr("Milliseconds to wait before the screenshot."),
                      QObject::tr("MS"), QStringLiteral("1500")});
}

StudioOptions studioOptions(const QCommandLineParser& parser, QString* error) {
    StudioOptions o;
    o.dataset = parser.value(QStringLiteral("dataset"));
    o.outputDir = parser.value(QStringLiteral("output-dir"));
    o.openRun = parser.value(QStringLiteral("open-run"));
    o.trainer = parser.value(QStringLiteral("trainer"));
    o.screenshot = parser.value(QStringLiteral("screenshot"));
    o.exportPlots = parser.value(QStringLiteral("export-plots"));
    o.tab = parser.value(QStringLiteral("tab"));
    bool ok = false;
    o.screenshotDelayMs = parser.value(QStringLiteral("screenshot-delay")).toInt(&ok);
    if (error) error->clear();
    if (!ok || o.screenshotDelayMs < 0) {
        if (error) *error = QObject::tr("--screenshot-delay expects milliseconds, got \"%1\"").arg(parser.value(QStringLiteral("screenshot-delay")));
        o.screenshotDelayMs = 1500;
    }
    if (!o.screenshot.isEmpty() && !o.screenshot.endsWith(QLatin1String(".png"), Qt::CaseInsensitive) && error)
        *error = QObject::tr("--screenshot writes PNG: give a file name ending in .png");
    if (!o.openRun.isEmpty() && !QFileInfo(o.openRun).isDir() && error)
        *error = QObject::tr("--open-run: %1 is not a folder").arg(o.openRun);
    return o;
}

}  // namespace studio::ui
