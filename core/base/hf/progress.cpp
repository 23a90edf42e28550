#include "base/hf/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "base/events/event_writer.h"

namespace studio::hf {

ProgressMeter::ProgressMeter(std::string stage, double totalUnits, ProgressSink sink, double minIntervalS)
    : m_stage(std::move(stage)),
      m_total(totalUnits),
      m_sink(std::move(sink)),
      m_minIntervalS(minIntervalS),
      m_rateTime(std::chrono::steady_clock::now()) {}

void ProgressMeter::setItem(const std::string& item) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_item = item;
    reportLocked(true);
}

void ProgressMeter::add(double units) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_done += units;
    reportLocked(false);
}

void ProgressMeter::skip(double units) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_done += units;
    m_rateDone += units;
}

void ProgressMeter::flush() {
    std::lock_guard<std::mutex> lock(m_mutex);
    reportLocked(true);
}

double ProgressMeter::done() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_done;
}

void ProgressMeter::reportLocked(bool force) {
    const auto now = std::chrono::steady_clock::now();
    const double sinceReport = std::chrono::duration<double>(now - m_lastReport).count();
    if (!force && sinceReport < m_minIntervalS) return;
    // Rate: exponential moving average over ~5 s windows, so a stall shows quickly but noise does not.
    const double dt = std::chrono::duration<double>(now - m_rateTime).count();
    if (dt >= 0.5) {
        const double inst = std::max(0.0, (m_done - m_rateDone) / dt);
        const double alpha = std::min(1.0, dt / 5.0);
        m_rate = m_rate == 0 ? inst : (1 - alpha) * m_rate + alpha * inst;
        m_rateTime = now;
        m_rateDone = m_done;
    }
    m_lastReport = now;
    if (!m_sink) return;
    ProgressEvent e;
    e.stage = m_stage;
    e.item = m_item;
    e.done = m_done;
    e.total = m_total;
    e.ratePerS = m_rate;
    e.etaS = (m_rate > 0 && m_total > 0) ? std::max(0.0, (m_total - m_done) / m_rate) : -1;
    m_sink(e);
}

ProgressSink eventProgressSink() {
    return [](const ProgressEvent& e) { events().publish(e); };
}

std::string formatBytes(double bytes) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (std::fabs(bytes) >= 1000 && u < 4) {
        bytes /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return buf;
}

std::string formatDuration(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds)) return "?";
    const long s = std::lround(seconds);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%lds", s);
    return buf;
}

std::string formatProgressLine(const ProgressEvent& e, int width) {
    const double frac = e.total > 0 ? std::min(1.0, std::max(0.0, e.done / e.total)) : 0;
    std::string bar(static_cast<std::size_t>(width), ' ');
    const int filled = static_cast<int>(frac * width);
    for (int i = 0; i < filled; ++i) bar[i] = '=';
    if (filled < width && e.total > 0) bar[filled] = '>';
    char pct[16];
    std::snprintf(pct, sizeof pct, "%3.0f%%", frac * 100);
    const bool bytes = e.stage == "download";
    auto amount = [&](double v) { return bytes ? formatBytes(v) : std::to_string(static_cast<long long>(v)); };
    std::string line = "[" + bar + "] " + pct + " " + (bytes ? "" : e.stage + " ") + amount(e.done);
    if (e.total > 0) line += "/" + amount(e.total);
    if (e.ratePerS > 0) {
        if (bytes) {
            line += " " + formatBytes(e.ratePerS) + "/s";
        } else {
            char rate[32];
            std::snprintf(rate, sizeof rate, " %.1f/s", e.ratePerS);
            line += rate;
        }
    }
    if (e.etaS >= 0) line += " ETA " + formatDuration(e.etaS);
    if (!e.item.empty()) line += " " + e.item;
    return line;
}

ProgressSink terminalProgressSink(double plainIntervalS) {
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    auto last = std::make_shared<std::chrono::steady_clock::time_point>();
    auto finishedKey = std::make_shared<std::string>();
    return [tty, last, finishedKey, plainIntervalS](const ProgressEvent& e) {
        const bool finished = e.total > 0 && e.done >= e.total;
        if (finished) {  // say "done" once per stage, however often it is reported
            const std::string key = e.stage + "/" + std::to_string(e.total);
            if (*finishedKey == key) return;
            *finishedKey = key;
        }
        if (tty) {
            std::string line = formatProgressLine(e);
            if (line.size() > 110) line.resize(110);
            std::fprintf(stderr, "\r%-110s", line.c_str());
            if (finished) std::fputc('\n', stderr);
            std::fflush(stderr);
            return;
        }
        const auto now = std::chrono::steady_clock::now();
        if (!finished && std::chrono::duration<double>(now - *last).count() < plainIntervalS) return;
        *last = now;
        std::fprintf(stderr, "%s\n", formatProgressLine(e).c_str());
    };
}

ProgressSink combineSinks(ProgressSink a, ProgressSink b) {
    return [a = std::move(a), b = std::move(b)](const ProgressEvent& e) {
        if (a) a(e);
        if (b) b(e);
    };
}

}  // namespace studio::hf
