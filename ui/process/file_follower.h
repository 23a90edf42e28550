#pragma once
// Reads a growing line file (a run's events.jsonl) in bounded chunks on the GUI thread's event loop, so
// opening a 100 MB history never freezes the window, and keeps following new lines with a poll timer.
#include <QByteArray>
#include <QFile>
#include <QList>
#include <QObject>
#include <QTimer>

#include "ui/process/line_buffer.h"

namespace studio::ui {

class FileFollower : public QObject {
    Q_OBJECT
public:
    explicit FileFollower(QObject* parent = nullptr);

    /// Starts reading `path` from the beginning. Returns false (with `error`) when it cannot be opened.
    bool open(const QString& path, QString* error = nullptr);
    void close();
    /// Keep polling for appended lines after reaching the end (else stop at the end). Default on.
    void setFollowing(bool follow);
    void setPollIntervalMs(int ms) { m_poll.setInterval(ms); }
    /// Bytes read per event-loop turn.
    void setChunkBytes(qint64 bytes) { m_chunk = bytes; }
    bool isOpen() const { return m_file.isOpen(); }
    qint64 offset() const { return m_offset; }
    QString path() const { return m_file.fileName(); }

signals:
    void linesRead(const QList<QByteArray>& lines);
    /// Emitted each time the reader reaches the current end of the file.
    void caughtUp();
    /// The file shrank or was replaced: reading restarts at 0 (consumers drop what they had).
    void restarted();

private:
    void readSome();

    QFile m_file;
    QTimer m_poll;
    LineBuffer m_buffer;
    qint64 m_offset = 0;
    qint64 m_chunk = 4 << 20;
    bool m_following = true;
    bool m_scheduled = false;
};

}  // namespace studio::ui
