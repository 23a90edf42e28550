#pragma once
// The TensorBoard button: starts `tensorboard --logdir <run>/tb --host 127.0.0.1 --port P` (6006, or the next
// free port when 6006 is taken) as a child process, opens http://127.0.0.1:P/ once it serves, and stops it
// when the Studio shows another run or exits. A server started while its run trains (Lifetime::WithRun) also
// stops when that run ends; one started to browse a finished run (Lifetime::UntilSwitch) stays until the user
// switches runs or quits. Says clearly when TensorBoard is not installed.
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>
#include <functional>
#include <memory>

#include "ui/process/trainer_process.h"

namespace studio::ui {

/// The first port from `first` on that nothing listens on at 127.0.0.1 (0 when none of `tries`). Any thread.
int firstFreeLocalPort(int first, int tries = 50);

class TensorBoardLauncher : public QObject {
    Q_OBJECT
public:
    static constexpr int kDefaultPort = 6006;
    /// When the server stops besides stop(), another run shown, or the app quitting.
    enum class Lifetime {
        WithRun,      // started for a run that is training: stops when that run ends (done, failed, stopped)
        UntilSwitch,  // started to browse a finished run: stays until another run is shown
    };

    explicit TensorBoardLauncher(TrainerProcessFactory factory, QObject* parent = nullptr);
    ~TensorBoardLauncher() override;

    /// The tensorboard program ("" = search PATH, then ~/.local/bin).
    void setExecutable(const QString& program) { m_program = program; }
    /// How the URL is opened (default QDesktopServices::openUrl; tests record it).
    void setUrlOpener(std::function<void(const QUrl&)> opener) { m_opener = std::move(opener); }
    /// Starts TensorBoard for `runDir` (or re-opens the URL when it already serves that run; a WithRun request
    /// then ties the running server to the run). Returns false with `error` when TensorBoard is missing or no
    /// port is free. GUI thread.
    bool start(const QString& runDir, QString* error, Lifetime lifetime = Lifetime::UntilSwitch);
    /// Stops the server (no-op when none). GUI thread.
    void stop();
    /// The run in `runDir` ended (done, failed or stopped): stops a WithRun server of that run. GUI thread.
    void runEnded(const QString& runDir);
    /// The Studio now shows the run in `runDir`: stops a server of any other run. GUI thread.
    void runShown(const QString& runDir);
    Lifetime lifetime() const { return m_lifetime; }
    bool running() const { return m_process != nullptr; }
    QUrl url() const { return m_url; }
    QString runDir() const { return m_runDir; }
    /// The program that start() would run ("" when not installed).
    QString resolvedProgram() const;

signals:
    void runningChanged(bool running);
    /// Status text for the user ("TensorBoard at http://…", "TensorBoard exited: …").
    void message(const QString& text);

private:
    void openOnce();

    TrainerProcessFactory m_factory;
    std::unique_ptr<TrainerProcess> m_process;
    std::function<void(const QUrl&)> m_opener;
    QString m_program, m_runDir;
    QUrl m_url;
    QByteArray m_err;
    QTimer m_openFallback;
    Lifetime m_lifetime = Lifetime::UntilSwitch;
    bool m_opened = false;
};

}  // namespace studio::ui
