#pragma once
// rfdetr-studio's command line: --help, --version, --dataset, --output-dir, --open-run, --trainer,
// --screenshot FILE (render the window and exit: scripts/studio.sh and the Xvfb smoke test use it),
// --export-plots DIR (write every plot of the opened run as PNG and exit).
#include <QCommandLineParser>
#include <QString>

namespace studio::ui {

struct StudioOptions {
    QString dataset;      // "" = as last time (demo on first start)
    QString outputDir;
    QString openRun;      // run folder to open at start
    QString trainer;      // rfdetr-train path for this session
    QString screenshot;   // PNG to write, then exit
    QString exportPlots;  // folder: write every plot as PNG, then exit
    QString tab;          // centre tab to show at start ("" = the first)
    int screenshotDelayMs = 1500;
};

/// Adds the Studio's options (plus --help/--version) to `parser`.
void addStudioOptions(QCommandLineParser& parser);
/// Reads them back after parser.process()/parse(); `error` explains a bad value.
StudioOptions studioOptions(const QCommandLineParser& parser, QString* error);

}  // namespace studio::ui
