#pragma once
// Progress of long transfers: bytes done of total, a smoothed rate and an ETA, reported as ProgressEvents
// (base/events) a few times per second. Sinks: the event stream (GUI) and a one-line bar on a terminal.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "base/events/events.h"

namespace studio::hf {

using ProgressSink = std::function<void(const ProgressEvent&)>;

class ProgressMeter {
public:
    /// `stage` e.g. "download"; `sink` may be empty. `minIntervalS` throttles reports (the last is forced).
    ProgressMeter(std::string stage, double totalUnits, ProgressSink sink, double minIntervalS = 0.25);

    /// Sets the current item (file name) and reports immediately.
    void setItem(const std::string& item);
    /// Adds units done (may be negative when a transfer restarts). Any thread.
    void add(double units);
    /// Counts units that were already done (a resumed file) without inflating the rate.
    void skip(double units);
    /// Reports now (e.g. at the end).
    void flush();
    double done() const;
    double total() const { return m_total; }

private:
    void reportLocked(bool force);
    std::string m_stage;
    std::string m_item;
    double m_total;
    double m_done = 0;
    ProgressSink m_sink;
    double m_minIntervalS;
    std::chrono::steady_clock::time_point m_lastReport{};
    std::chrono::steady_clock::time_point m_rateTime;
    double m_rateDone = 0;
    double m_rate = 0;
    mutable std::mutex m_mutex;
};

/// Publishes each report as an event on the process's event stream (stdout, events.jsonl).
ProgressSink eventProgressSink();
/// Draws "[=====>    ] 41% 6.2/15.0 GB 85 MB/s ETA 1m43s file" on stderr when it is a terminal, else
/// prints a plain line at most every `plainIntervalS` seconds.
ProgressSink terminalProgressSink(double plainIntervalS = 10.0);
/// Calls both.
ProgressSink combineSinks(ProgressSink a, ProgressSink b);

/// "1.5 GB", "830 MB", "12 kB" (decimal units, as the Hub shows sizes).
std::string formatBytes(double bytes);
/// "1h02m", "3m05s", "42s".
std::string formatDuration(double seconds);
/// The bar line for an event (without the leading carriage return), `width` columns for the bar.
std::string formatProgressLine(const ProgressEvent& e, int width = 30);

}  // namespace studio::hf
