#include "base/log/log.h"

#include <filesystem>
#include <mutex>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace studio {

namespace {
std::mutex g_mutex;
std::shared_ptr<spdlog::logger>& slot() {
    static std::shared_ptr<spdlog::logger> l = [] {
        auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        auto lg = std::make_shared<spdlog::logger>("studio", sink);
        lg->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
        return lg;
    }();
    return l;
}
}  // namespace

spdlog::logger& logger() { return *loggerPtr(); }

std::shared_ptr<spdlog::logger> loggerPtr() {
    std::lock_guard<std::mutex> lock(g_mutex);
    return slot();
}

void setLogger(std::shared_ptr<spdlog::logger> lg) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (lg) slot() = std::move(lg);
}

spdlog::level::level_enum parseLogLevel(const std::string& level) {
    if (level == "trace") return spdlog::level::trace;
    if (level == "debug") return spdlog::level::debug;
    if (level == "warn" || level == "warning") return spdlog::level::warn;
    if (level == "error") return spdlog::level::err;
    if (level == "off") return spdlog::level::off;
    return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> makeTrainerLogger(int rank, const std::string& logDir, const std::string& level) {
    std::vector<spdlog::sink_ptr> sinks;
    auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    err->set_level(rank == 0 ? spdlog::level::trace : spdlog::level::warn);
    err->set_pattern(rank == 0 ? "[%H:%M:%S] [%^%l%$] %v" : "[%H:%M:%S] [rank " + std::to_string(rank) + "] [%^%l%$] %v");
    sinks.push_back(err);
    if (!logDir.empty()) {
        std::filesystem::create_directories(logDir);
        const std::string path = logDir + "/rank" + std::to_string(rank) + ".log";
        try {
            auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
            file->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
            sinks.push_back(file);
        } catch (const spdlog::spdlog_ex& e) {
            throw std::runtime_error("cannot open log file " + path + ": " + e.what());
        }
    }
    auto lg = std::make_shared<spdlog::logger>("rank" + std::to_string(rank), sinks.begin(), sinks.end());
    lg->set_level(parseLogLevel(level));
    lg->flush_on(spdlog::level::info);
    return lg;
}

}  // namespace studio
