#pragma once
// Splits a byte stream into lines. A line longer than the limit is cut (and counted) so that a child that
// floods one endless line cannot grow the Studio's memory without bound.
#include <QByteArray>
#include <QList>

namespace studio::ui {

class LineBuffer {
public:
    explicit LineBuffer(int maxLineBytes = 1 << 20) : m_max(maxLineBytes) {}

    /// Appends bytes and returns the complete lines they close (without "\n" / "\r\n").
    QList<QByteArray> append(const QByteArray& bytes);
    /// The unterminated rest (at end of stream), then empty.
    QByteArray takeRest();
    /// Lines that were cut at the limit.
    int truncatedLines() const { return m_truncated; }

private:
    QByteArray m_partial;
    int m_max;
    int m_truncated = 0;
    bool m_dropping = false;  // inside an over-long line: drop until its end
};

}  // namespace studio::ui
