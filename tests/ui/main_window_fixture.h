#pragma once
// What the main-window tests share (tst_main_window, tst_main_window_tools, tst_oom_suggestion): an isolated
// home (test-mode QStandardPaths, XDG folders and settings under a temporary folder, cleared settings) with a
// stand-in `rfdetr-train` that reports this build's version, waiting for a MainWindow's trainer check, and
// starting a fake run (run folders: run_folder_fixture.h).
// Runs go to FakeTrainerProcess, so the stand-in only answers the version probe.
#include <QByteArray>
#include <QCoreApplication>
#include <QSettings>
#include <QStandardPaths>
#include <QString>
#include <QTemporaryDir>
#include <QTest>

#include "fake_trainer_process.h"
#include "run_folder_fixture.h"
#include "studio_version.h"
#include "ui/main/main_window.h"
#include "ui/process/run_controller.h"

namespace studio::ui::testing {

/// Waits up to 10 s until `w` has checked its trainer (ok() needs a path, set only once checked); true when
/// it has. Main thread (runs the event loop).
inline bool waitForTrainer(const MainWindow& w) {
    return QTest::qWaitFor([&w] { return w.trainerCheck().ok(); }, 10000);
}

/// Shows `w` (built on fakeFactory(&rec)), waits for its trainer check, starts a fresh run into `outputDir` and
/// reports the fake process started: `rec.live` is the run's process. False (with a warning saying which part)
/// when any of it fails. Main thread.
inline bool startFakeRun(MainWindow& w, FakeTrainerProcess::Record& rec, const QString& outputDir) {
    w.show();
    if (!waitForTrainer(w)) return qWarning("startFakeRun: no trainer check"), false;
    w.setOutputDir(outputDir);
    if (!w.startRun(StartMode::Fresh) || !rec.live) return qWarning("startFakeRun: the run did not start"), false;
    rec.live->emitStarted();
    return true;
}

class MainWindowHome {
public:
    /// Points settings and the XDG folders of application `appName` at this home, clears its settings and
    /// writes the stand-in trainer; false if it could not be written. Call from initTestCase. Main thread.
    bool setUp(const char* appName) {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("XDG_CONFIG_HOME", (m_home.path() + "/config").toUtf8());
        qputenv("XDG_DATA_HOME", (m_home.path() + "/data").toUtf8());
        QCoreApplication::setOrganizationName("rfdetr-studio-tests");
        QCoreApplication::setApplicationName(appName);
        QSettings().clear();  // test-mode settings persist between runs: start from a first launch
        m_trainer = m_home.path() + "/rfdetr-train";
        return writeExecutable(m_trainer, "#!/bin/sh\necho 'rfdetr-train " STUDIO_VERSION " (LibTorch 1.13.0, CPU)'\n");
    }
    /// Clears the settings again (call from cleanupTestCase). Main thread.
    void tearDown() { QSettings().clear(); }

    /// The home folder (a temporary folder, removed with this object).
    QString path() const { return m_home.path(); }
    /// The stand-in trainer's path, to give MainWindow.
    const QString& trainer() const { return m_trainer; }

private:
    QTemporaryDir m_home;
    QString m_trainer;
};

}  // namespace studio::ui::testing
