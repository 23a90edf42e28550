#pragma once
// Finding rfdetr-train and checking that it belongs to this Studio: an explicit path from the settings,
// else next to the Studio binary (also ../train/ in a build tree), else on PATH. `rfdetr-train --version`
// must report the Studio's version; its LibTorch/CUDA part is shown in the About dialog.
#include <QObject>
#include <QString>
#include <QStringList>

namespace studio::ui {

struct TrainerLocation {
    QString path;        // absolute path of the executable, "" when not found
    QStringList tried;   // every place looked at, for the error message
    QString error;       // "" when found
};

/// Resolves the trainer: `overridePath` (if non-empty, nothing else is tried), `appDir`/rfdetr-train,
/// `appDir`/../train/rfdetr-train, then each folder of `pathEnv` (":"-separated). Any thread.
TrainerLocation locateTrainer(const QString& overridePath, const QString& appDir, const QString& pathEnv);

struct TrainerVersion {
    QString line;        // "rfdetr-train 0.1.0 (LibTorch 1.13.0, CPU)"
    QString version;     // "0.1.0"
    QString backend;     // "LibTorch 1.13.0, CPU"
};

/// Parses the first line of `rfdetr-train --version`; version is empty when it is not of that form.
TrainerVersion parseTrainerVersion(const QString& output);

struct TrainerCheck {
    QString path;
    TrainerVersion version;
    QString error;       // "" = usable
    bool ok() const { return error.isEmpty() && !path.isEmpty(); }
};

/// Locates the trainer and runs `--version` asynchronously; emits checked() once. GUI thread.
class TrainerProbe : public QObject {
    Q_OBJECT
public:
    explicit TrainerProbe(QObject* parent = nullptr);
    /// `expectedVersion` is STUDIO_VERSION; timeoutMs bounds a hanging binary.
    void check(const QString& overridePath, const QString& expectedVersion, int timeoutMs = 15000);
    const TrainerCheck& result() const { return m_result; }
    bool done() const { return m_done; }

signals:
    void checked(const studio::ui::TrainerCheck& result);

private:
    void finish(TrainerCheck result);
    TrainerCheck m_result;
    bool m_done = false;
    quint64 m_generation = 0;
};

}  // namespace studio::ui
