#pragma once
// The "oom" error event's details (shared agreement, see docs/ARCHITECTURE.md) read into a suggestion the
// Studio can show and apply: "Batch 16 × 1 × 4 = 64 ran out of memory on GPU 2: 79.1 of 80.0 GiB in use;
// try 8 × 2 × 4 = 64 (same effective batch)." (where and how much in the run log's wording, base/run/
// oom_advice.h outOfMemoryWhere). Absent fields stay unknown (0 / "").
#include <QString>
#include <optional>

#include "base/events/events.h"

namespace studio::ui {

struct OomSuggestion {
    int batchSize = 0, gradAccumSteps = 0, numGpus = 0;
    long long effectiveBatch = 0;
    int suggestedBatch = 0, suggestedAccum = 0;   // 0 = no suggestion (batch 1 already)
    QString device;
    double usedBytes = 0, totalBytes = 0;
    QString command, env;
    QString message;                               // the event's own message

    bool hasSuggestion() const { return suggestedBatch > 0 && suggestedAccum > 0; }
};

/// The advice of an "oom" error event; nullopt for any other event or code. Any thread.
std::optional<OomSuggestion> oomSuggestionFrom(const Event& event);
/// One sentence for the banner (what ran out, where, what to try). Any thread.
QString oomSuggestionText(const OomSuggestion& advice);

}  // namespace studio::ui
