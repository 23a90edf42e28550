#include "base/tb/tfevents_writer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "base/tb/crc32c.h"

namespace studio {

namespace {

void varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out += static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);
}

void fixed64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void fixed32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void doubleField(std::string& out, int field, double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    varint(out, (static_cast<std::uint64_t>(field) << 3) | 1);
    fixed64(out, bits);
}

void bytesField(std::string& out, int field, const std::string& bytes) {
    varint(out, (static_cast<std::uint64_t>(field) << 3) | 2);
    varint(out, bytes.size());
    out += bytes;
}

double nowSeconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string encodeFileVersionEvent(double wallTime) {
    std::string e;
    doubleField(e, 1, wallTime);
    bytesField(e, 3, "brain.Event:2");
    return e;
}

std::string encodeScalarEvent(double wallTime, std::int64_t step, const std::string& tag, float value) {
    std::string val;
    bytesField(val, 1, tag);
    std::uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    varint(val, (2u << 3) | 5);
    fixed32(val, bits);
    std::string summary;
    bytesField(summary, 1, val);
    std::string e;
    doubleField(e, 1, wallTime);
    varint(e, (2u << 3) | 0);
    varint(e, static_cast<std::uint64_t>(step));
    bytesField(e, 5, summary);
    return e;
}

std::string frameRecord(const std::string& payload) {
    std::string len;
    fixed64(len, payload.size());
    std::string out = len;
    fixed32(out, maskedCrc32c(len.data(), len.size()));
    out += payload;
    fixed32(out, maskedCrc32c(payload.data(), payload.size()));
    return out;
}

TfEventsWriter::TfEventsWriter(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    const double now = nowSeconds();
    char name[512];
    std::snprintf(name, sizeof name, "events.out.tfevents.%010lld.%s.%d.0", static_cast<long long>(now), host,
                  static_cast<int>(::getpid()));
    m_path = dir + "/" + name;
    m_file = std::fopen(m_path.c_str(), "ab");
    if (!m_file) throw std::runtime_error("cannot create " + m_path + ": " + std::strerror(errno));
    const std::string rec = frameRecord(encodeFileVersionEvent(now));
    if (std::fwrite(rec.data(), 1, rec.size(), m_file) != rec.size())
        throw std::runtime_error("cannot write " + m_path + ": " + std::strerror(errno));
    std::fflush(m_file);
}

TfEventsWriter::~TfEventsWriter() {
    if (m_file) std::fclose(m_file);
}

void TfEventsWriter::scalar(const std::string& tag, double value, std::int64_t step, double wallTime) {
    const std::string rec =
        frameRecord(encodeScalarEvent(wallTime > 0 ? wallTime : nowSeconds(), step, tag, static_cast<float>(value)));
    std::lock_guard<std::mutex> lock(m_mutex);
    if (std::fwrite(rec.data(), 1, rec.size(), m_file) != rec.size()) ++m_errors;
}

void TfEventsWriter::flush() {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (std::fflush(m_file) != 0) ++m_errors;
}

}  // namespace studio
