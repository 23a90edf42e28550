#pragma once
// Writes protocol events: one flushed line on stdout (for the GUI / launcher) and, when a run folder is
// known, appended to <run>/events.jsonl. Thread-safe. Only rank 0 writes events of record.
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "base/events/events.h"

namespace studio {

class EventWriter {
public:
    /// `out` may be nullptr (no stdout stream, e.g. in tests).
    explicit EventWriter(std::FILE* out = stdout);
    ~EventWriter();

    /// Starts mirroring to `path` (appending); throws std::runtime_error naming the file on failure.
    void mirrorTo(const std::string& path);
    /// Writes one event line; never throws (I/O errors are counted). Any thread.
    void publish(const Event& e);
    /// Writes a raw, already encoded line (the launcher relays workers' lines verbatim).
    void writeLine(const std::string& line);
    int writeErrors() const { return m_writeErrors; }

private:
    std::mutex m_mutex;
    std::FILE* m_out;
    std::FILE* m_mirror = nullptr;
    int m_writeErrors = 0;
};

/// The process-wide writer used by the trainer (stdout). Tests may replace it.
EventWriter& events();
void setEventWriter(std::shared_ptr<EventWriter> writer);

}  // namespace studio
