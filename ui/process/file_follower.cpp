#include "ui/process/file_follower.h"

#include <QFileInfo>

namespace studio::ui {

FileFollower::FileFollower(QObject* parent) : QObject(parent) {
    m_poll.setInterval(250);
    connect(&m_poll, &QTimer::timeout, this, &FileFollower::readSome);
}

bool FileFollower::open(const QString& path, QString* error) {
    close();
    m_file.setFileName(path);
    if (!m_file.open(QIODevice::ReadOnly)) {
        if (error) *error = tr("%1 cannot be read: %2").arg(path, m_file.errorString());
        return false;
    }
    m_offset = 0;
    m_buffer = LineBuffer();
    m_scheduled = true;
    QTimer::singleShot(0, this, &FileFollower::readSome);
    return true;
}

void FileFollower::close() {
    m_poll.stop();
    if (m_file.isOpen()) m_file.close();
    m_scheduled = false;
}

void FileFollower::setFollowing(bool follow) {
    m_following = follow;
    if (follow || !m_file.isOpen()) return;
    m_poll.stop();
    if (!m_scheduled) {  // one last pass to the end of the file
        m_scheduled = true;
        QTimer::singleShot(0, this, &FileFollower::readSome);
    }
}

void FileFollower::readSome() {
    m_scheduled = false;
    if (!m_file.isOpen()) return;
    const qint64 size = QFileInfo(m_file.fileName()).size();
    if (size < m_offset) {  // truncated or replaced: start over
        m_file.close();
        if (!m_file.open(QIODevice::ReadOnly)) return;
        m_offset = 0;
        m_buffer = LineBuffer();
        emit restarted();
    }
    if (!m_file.seek(m_offset)) return;
    const QByteArray bytes = m_file.read(m_chunk);
    m_offset += bytes.size();
    if (!bytes.isEmpty()) {
        const QList<QByteArray> lines = m_buffer.append(bytes);
        if (!lines.isEmpty()) emit linesRead(lines);
    }
    if (!m_file.isOpen()) return;  // a slot closed us
    if (m_offset < QFileInfo(m_file.fileName()).size()) {
        m_scheduled = true;
        QTimer::singleShot(0, this, &FileFollower::readSome);  // more to read: next event-loop turn
        return;
    }
    if (!m_following) {
        // A finished file: its unterminated tail is a (possibly truncated) last line.
        const QByteArray rest = m_buffer.takeRest();
        if (!rest.isEmpty()) emit linesRead({rest});
    }
    emit caughtUp();
    if (m_following && m_file.isOpen() && !m_poll.isActive()) m_poll.start();
}

}  // namespace studio::ui
