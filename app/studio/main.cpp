// rfdetr-studio: the desktop application. All logic lives in studio_ui.
#include <QApplication>
#include <QCommandLineParser>

#include "studio_version.h"
#include "ui/main/main_window.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("RF-DETR Studio");
    QApplication::setApplicationVersion(STUDIO_VERSION);
    QCommandLineParser parser;
    parser.setApplicationDescription("Train RF-DETR object detectors");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.process(app);
    studio::ui::MainWindow w;
    w.show();
    return app.exec();
}
