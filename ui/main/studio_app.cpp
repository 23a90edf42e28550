#include "ui/main/studio_app.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>
#include <cstdio>

#include "studio_version.h"
#include "ui/main/command_line.h"
#include "ui/main/main_window.h"
#include "ui/plots/monitor_view.h"

namespace studio::ui {

namespace {

// Waits until the window has settled (trainer checked, dataset read, run history loaded) or a deadline,
// then grabs it to `path` and quits with 0 on success.
void scheduleScreenshot(MainWindow* w, const QString& path, const QString& plotsDir, int delayMs) {
    auto* clock = new QElapsedTimer;
    clock->start();
    auto* timer = new QTimer(w);
    timer->setInterval(100);
    QObject::connect(timer, &QTimer::timeout, w, [w, path, plotsDir, delayMs, clock, timer] {
        if (clock->elapsed() < delayMs || (!w->settled() && clock->elapsed() < delayMs + 20000)) return;
        timer->stop();
        delete clock;
        bool ok = true;
        if (!path.isEmpty()) {
            QDir().mkpath(QFileInfo(path).absolutePath());
            const bool saved = w->grab().save(path, "PNG");
            std::fprintf(saved ? stdout : stderr, saved ? "rfdetr-studio: screenshot saved to %s\n"
                                                        : "rfdetr-studio: could not write the screenshot %s\n",
                         qPrintable(path));
            ok = ok && saved;
        }
        if (!plotsDir.isEmpty()) {
            const QStringList files = w->monitor()->exportAll(plotsDir);
            for (const QString& f : files) std::printf("rfdetr-studio: plot saved to %s\n", qPrintable(f));
            if (files.isEmpty()) std::fprintf(stderr, "rfdetr-studio: could not write plots into %s\n", qPrintable(plotsDir));
            ok = ok && !files.isEmpty();
        }
        QCoreApplication::exit(ok ? 0 : 1);
    });
    timer->start();
}

}  // namespace

int runStudioApp(int argc, char** argv) {
    // --help and --version must work without a display (scripts, packaging checks).
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--help" || a == "-h" || a == "--help-all" || a == "--version" || a == "-v") {
            QCoreApplication core(argc, argv);
            QCoreApplication::setApplicationName(QStringLiteral("rfdetr-studio"));
            QCoreApplication::setApplicationVersion(QStringLiteral(STUDIO_VERSION));
            QCommandLineParser parser;
            addStudioOptions(parser);
            parser.process(core);
            return 0;
        }
    }
    QApplication::setOrganizationName(QStringLiteral("rfdetr-studio"));
    QApplication::setApplicationName(QStringLiteral("RF-DETR Studio"));
    QApplication::setApplicationVersion(QStringLiteral(STUDIO_VERSION));
    QApplication app(argc, argv);
    QGuiApplication::setDesktopFileName(QStringLiteral(STUDIO_APP_ID));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/app.svg")));

    QCommandLineParser parser;
    addStudioOptions(parser);
    parser.process(app);  // --help / --version print and exit here
    QString error;
    const StudioOptions opts = studioOptions(parser, &error);
    if (!error.isEmpty()) {
        std::fprintf(stderr, "rfdetr-studio: %s\n", qPrintable(error));
        return 2;
    }

    MainWindow window(realTrainerProcessFactory(), opts.trainer);
    if (!opts.dataset.isEmpty()) window.setDataset(opts.dataset);
    if (!opts.outputDir.isEmpty()) window.setOutputDir(opts.outputDir);
    window.show();
    if (!opts.openRun.isEmpty()) {
        if (!window.openRun(opts.openRun)) return 2;
    } else if (opts.screenshot.isEmpty()) {
        window.reattachRunningRun();  // a run left running when the Studio was last closed
    }
    if (!opts.tab.isEmpty() && !window.showTab(opts.tab)) {
        std::fprintf(stderr, "rfdetr-studio: --tab: no tab \"%s\"; use one of: %s\n", qPrintable(opts.tab),
                     qPrintable(window.tabNames().join(QStringLiteral(", "))));
        return 2;
    }
    if (!opts.screenshot.isEmpty() || !opts.exportPlots.isEmpty())
        scheduleScreenshot(&window, opts.screenshot, opts.exportPlots, opts.screenshotDelayMs);
    return app.exec();
}

}  // namespace studio::ui
