#pragma once
// Files a UI test puts into a run folder the way the trainer leaves them (the last checkpoint and its
// sidecar), and small files in general (events.jsonl, stand-in executables).
#include <QByteArray>
#include <QFile>
#include <QString>

namespace studio::ui::testing {

/// Writes `bytes` to `path`, replacing it; false if it cannot. Main thread.
inline bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

/// Writes `script` to `path` as an executable (owner read/write/execute); false if it cannot. Main thread.
inline bool writeExecutable(const QString& path, const QByteArray& script) {
    return writeFile(path, script) &&
           QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
}

/// The last checkpoint of run folder `runDir`: checkpoint.pth (a stand-in, "PK": its content is not read
/// when a sidecar describes it) and its sidecar checkpoint.pth.json holding `sidecarJson`; false if either
/// cannot be written. Main thread.
inline bool writeCheckpoint(const QString& runDir, const QByteArray& sidecarJson) {
    return writeFile(runDir + "/checkpoint.pth", "PK") && writeFile(runDir + "/checkpoint.pth.json", sidecarJson);
}

}  // namespace studio::ui::testing
