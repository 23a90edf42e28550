#pragma once
// What the log pane says about a protocol event: errors with their hint and rank, relayed log lines at
// their level, the trainer's hello and each checkpoint. Steps, GPU samples and evaluations are plotted,
// not logged.
#include <optional>

#include "base/events/events.h"
#include "ui/log/log_line.h"

namespace studio::ui {

/// The log line for `event` received at unix time `t`, or nullopt for events that are only plotted.
std::optional<LogLine> logLineForEvent(const Event& event, double t);

}  // namespace studio::ui
