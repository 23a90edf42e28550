#pragma once
// TensorBoard event files without TensorFlow (ecosystem.md B.2.2): TFRecord framing with masked CRC-32C and
// hand-encoded Event/Summary protobufs. Scalars are written old-style (Summary.Value.simple_value), which
// TensorBoard's scalar dashboard reads.
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace studio {

/// Serialized Event{wall_time, file_version="brain.Event:2"} (the first record of every file).
std::string encodeFileVersionEvent(double wallTime);
/// Serialized Event{wall_time, step, summary{value{tag, simple_value}}}.
std::string encodeScalarEvent(double wallTime, std::int64_t step, const std::string& tag, float value);
/// One TFRecord: u64 length, masked crc of the length, payload, masked crc of the payload (little endian).
std::string frameRecord(const std::string& payload);

class TfEventsWriter {
public:
    /// Creates <dir>/events.out.tfevents.<unix time>.<host>.<pid>.0 and writes the version record.
    /// Throws std::runtime_error naming the file on failure.
    explicit TfEventsWriter(const std::string& dir);
    ~TfEventsWriter();
    TfEventsWriter(const TfEventsWriter&) = delete;
    TfEventsWriter& operator=(const TfEventsWriter&) = delete;

    /// Appends a scalar; `wallTime` in seconds (0 = now). Thread-safe. Never throws (errors are counted).
    void scalar(const std::string& tag, double value, std::int64_t step, double wallTime = 0);
    /// Flushes to the OS (TensorBoard tails the file).
    void flush();
    const std::string& path() const { return m_path; }
    int writeErrors() const { return m_errors; }

private:
    std::mutex m_mutex;
    std::string m_path;
    std::FILE* m_file = nullptr;
    int m_errors = 0;
};

}  // namespace studio
