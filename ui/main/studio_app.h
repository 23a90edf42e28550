#pragma once
// Start-up of rfdetr-studio: application identity (name, organisation, desktop file name = STUDIO_APP_ID,
// icon), command line, the main window, and the --screenshot mode. app/studio/main.cpp only calls this.
namespace studio::ui {

/// Runs the Studio; returns the process exit code.
int runStudioApp(int argc, char** argv);

}  // namespace studio::ui
