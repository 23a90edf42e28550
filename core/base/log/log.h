#pragma once
// Logging facade over spdlog. The core never creates loggers of its own: it calls studio::logger(),
// which the program (trainer main, GUI, tests) sets up or replaces. stdout stays reserved for events.
#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace studio {

/// The process-wide logger (a stderr logger until setLogger is called). Any thread.
spdlog::logger& logger();
std::shared_ptr<spdlog::logger> loggerPtr();
/// Injects a logger (tests use a sink that records lines).
void setLogger(std::shared_ptr<spdlog::logger> logger);

/// Trainer logger: stderr (warnings only on ranks > 0) plus `<logDir>/rank<N>.log` when logDir is set.
/// Throws std::runtime_error naming the file when the log file cannot be created.
std::shared_ptr<spdlog::logger> makeTrainerLogger(int rank, const std::string& logDir, const std::string& level);

/// Parses "trace".."error"/"off" (default info).
spdlog::level::level_enum parseLogLevel(const std::string& level);

}  // namespace studio
