#include "ui/process/trainer_locator.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QPointer>
#include <QProcess>
#include <QRegularExpression>
#include <QTimer>
#include <memory>

namespace studio::ui {

namespace {
constexpr auto kTrainerName = "rfdetr-train";

bool isExecutableFile(const QString& path) {
    const QFileInfo fi(path);
    return fi.exists() && fi.isFile() && fi.isExecutable();
}
}  // namespace

TrainerLocation locateTrainer(const QString& overridePath, const QString& appDir, const QString& pathEnv) {
    TrainerLocation loc;
    auto tryPath = [&](const QString& p) {
        loc.tried << p;
        if (isExecutableFile(p)) {
            loc.path = QFileInfo(p).absoluteFilePath();
            return true;
        }
        return false;
    };
    if (!overridePath.isEmpty()) {
        if (!tryPath(overridePath))
            loc.error = QObject::tr("The trainer set in Settings, %1, is not an executable file. Fix the path in "
                                    "Settings → Trainer, or clear it to use the one installed with the Studio.")
                            .arg(overridePath);
        return loc;
    }
    const QString name = QString::fromLatin1(kTrainerName);
    if (!appDir.isEmpty()) {
        if (tryPath(QDir(appDir).filePath(name))) return loc;
        if (tryPath(QDir::cleanPath(appDir + QStringLiteral("/../train/") + name))) return loc;
    }
    for (const QString& dir : pathEnv.split(QLatin1Char(':'), Qt::SkipEmptyParts)) {
        if (tryPath(QDir(dir).filePath(name))) return loc;
    }
    loc.error = QObject::tr("rfdetr-train was not found (looked in: %1). Install the rfdetr-train package, or set "
                            "its path in Settings → Trainer.")
                    .arg(loc.tried.join(QStringLiteral(", ")));
    return loc;
}

TrainerVersion parseTrainerVersion(const QString& output) {
    TrainerVersion v;
    v.line = output.section(QLatin1Char('\n'), 0, 0).trimmed();
    static const QRegularExpression re(QStringLiteral(R"(^rfdetr-train\s+(\S+)(?:\s+\((.*)\))?$)"));
    const auto m = re.match(v.line);
    if (m.hasMatch()) {
        v.version = m.captured(1);
        v.backend = m.captured(2);
    }
    return v;
}

TrainerProbe::TrainerProbe(QObject* parent) : QObject(parent) {
    qRegisterMetaType<studio::ui::TrainerCheck>("studio::ui::TrainerCheck");
}

void TrainerProbe::check(const QString& overridePath, const QString& expectedVersion, int timeoutMs) {
    const quint64 generation = ++m_generation;
    m_done = false;
    const TrainerLocation loc =
        locateTrainer(overridePath, QCoreApplication::applicationDirPath(), qEnvironmentVariable("PATH"));
    if (!loc.error.isEmpty()) {
        finish({QString(), {}, loc.error});
        return;
    }
    auto* proc = new QProcess(this);
    auto* timer = new QTimer(proc);
    timer->setSingleShot(true);
    const QString path = loc.path;
    auto fired = std::make_shared<bool>(false);
    auto done = [this, proc, path, expectedVersion, generation, fired](const QString& failure) {
        if (*fired || generation != m_generation) return;
        *fired = true;
        TrainerCheck c;
        c.path = path;
        if (!failure.isEmpty()) {
            c.error = failure;
        } else {
            c.version = parseTrainerVersion(QString::fromUtf8(proc->readAllStandardOutput()));
            if (c.version.version.isEmpty())
                c.error = tr("%1 --version printed \"%2\", which is not rfdetr-train's version line. Point Settings → "
                             "Trainer at rfdetr-train.").arg(path, c.version.line);
            else if (c.version.version != expectedVersion)
                c.error = tr("%1 is version %2 but this Studio is %3: install matching versions (the event protocol "
                             "and config keys must agree), or set the matching trainer in Settings → Trainer.")
                              .arg(path, c.version.version, expectedVersion);
        }
        proc->deleteLater();
        finish(c);
    };
    connect(proc, &QProcess::finished, this, [done, proc](int code, QProcess::ExitStatus st) {
        if (st != QProcess::NormalExit || code != 0)
            done(tr("%1 --version failed (exit code %2): %3")
                     .arg(proc->program())
                     .arg(code)
                     .arg(QString::fromUtf8(proc->readAllStandardError()).trimmed().left(400)));
        else
            done({});
    });
    connect(proc, &QProcess::errorOccurred, this, [done, proc](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            done(tr("%1 could not be started: %2").arg(proc->program(), proc->errorString()));
    });
    connect(timer, &QTimer::timeout, this, [done, proc, timeoutMs] {
        proc->kill();
        done(tr("%1 --version did not answer within %2 s").arg(proc->program()).arg(timeoutMs / 1000));
    });
    timer->start(timeoutMs);
    proc->start(path, {QStringLiteral("--version")}, QIODevice::ReadOnly);
}

void TrainerProbe::finish(TrainerCheck result) {
    m_result = std::move(result);
    m_done = true;
    emit checked(m_result);
}

}  // namespace studio::ui
