#pragma once
// What the log pane says about a protocol event: errors with their hint and rank, relayed log lines at
// their level, the trainer's hello and each checkpoint. Steps, GPU samples and evaluations are plotted,
// not logged.
#include <QString>
#include <optional>

#include "base/events/events.h"
#include "ui/log/log_line.h"

namespace studio::ui {

/// The log line for `event` received at unix time `t`, or nullopt for events that are only plotted.
std::optional<LogLine> logLineForEvent(const Event& event, double t);

/// Where a checkpoint stands, counting epochs from 1 as the rest of the Studio does. Checkpoints store the last
/// *completed* 0-based epoch (rfdetr's convention), so one written at the end of epoch index 4 reads "epoch 5",
/// and one written before any epoch completed (a --max-steps stop, Stop or out of memory in the first epoch:
/// epoch -1, step N > 0) reads "epoch 1, step N (mid-epoch)" instead of a -1. With `stepsPerEpoch` known, a
/// later mid-epoch checkpoint reads "epoch 6, step N (mid-epoch)" too. "" when neither is known. Any thread.
QString checkpointPositionText(int completedEpoch, long long step, long long stepsPerEpoch = 0);

}  // namespace studio::ui
