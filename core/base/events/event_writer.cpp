#include "base/events/event_writer.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace studio {

EventWriter::EventWriter(std::FILE* out) : m_out(out) {}

EventWriter::~EventWriter() {
    if (m_mirror) std::fclose(m_mirror);
}

void EventWriter::mirrorTo(const std::string& path) {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::FILE* f = std::fopen(path.c_str(), "ae");
    if (!f) throw std::runtime_error("cannot open " + path + " for appending: " + std::strerror(errno));
    if (m_mirror) std::fclose(m_mirror);
    m_mirror = f;
}

void EventWriter::publish(const Event& e) { writeLine(encodeEvent(e)); }

void EventWriter::writeLine(const std::string& line) {
    std::lock_guard<std::mutex> lock(m_mutex);
    for (std::FILE* f : {m_out, m_mirror}) {
        if (!f) continue;
        if (std::fwrite(line.data(), 1, line.size(), f) != line.size() || std::fputc('\n', f) == EOF ||
            std::fflush(f) != 0)
            ++m_writeErrors;
    }
}

namespace {
std::shared_ptr<EventWriter>& writerSlot() {
    static std::shared_ptr<EventWriter> w = std::make_shared<EventWriter>(stdout);
    return w;
}
}  // namespace

EventWriter& events() { return *writerSlot(); }
void setEventWriter(std::shared_ptr<EventWriter> writer) { writerSlot() = std::move(writer); }

}  // namespace studio
