// rfdetr-studio: the desktop application. All logic lives in studio_ui.
#include "ui/main/studio_app.h"

int main(int argc, char** argv) { return studio::ui::runStudioApp(argc, argv); }
