#include "ui/process/line_buffer.h"

namespace studio::ui {

QList<QByteArray> LineBuffer::append(const QByteArray& bytes) {
    QList<QByteArray> lines;
    qsizetype start = 0;
    while (start < bytes.size()) {
        const qsizetype nl = bytes.indexOf('\n', start);
        const qsizetype end = nl < 0 ? bytes.size() : nl;
        if (!m_dropping) {
            const qsizetype room = m_max - m_partial.size();
            const qsizetype take = qMin(end - start, room);
            m_partial.append(bytes.constData() + start, take);
            if (take < end - start) {  // over the limit: emit the cut line now, drop the rest of it
                ++m_truncated;
                lines.append(m_partial);
                m_partial.clear();
                m_dropping = true;
            }
        }
        if (nl < 0) break;
        if (!m_dropping) {
            if (m_partial.endsWith('\r')) m_partial.chop(1);
            lines.append(m_partial);
        }
        m_partial.clear();
        m_dropping = false;
        start = nl + 1;
    }
    return lines;
}

QByteArray LineBuffer::takeRest() {
    QByteArray rest = m_dropping ? QByteArray() : m_partial;
    m_partial.clear();
    m_dropping = false;
    if (rest.endsWith('\r')) rest.chop(1);
    return rest;
}

}  // namespace studio::ui
