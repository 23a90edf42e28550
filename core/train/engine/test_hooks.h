#pragma once
// Test hooks of the real rfdetr-train binary, read from the environment only when set, so integration tests
// can exercise failure paths that need a GPU or a broken machine to happen for real. Not for users: nothing
// in the guide or the help mentions them, and a run without them set behaves exactly as without this file.
//
//   RFDETR_TEST_INJECT_OOM_AT_STEP=N   the first micro-batch of optimiser step N (counted from 1 since the run
//                                      began, as `step` events and messages count) throws an out-of-memory
//                                      error in every rank, as a device that ran out would.
#include <functional>
#include <string>

namespace studio::train {

inline constexpr const char* kInjectOomEnv = "RFDETR_TEST_INJECT_OOM_AT_STEP";

/// TrainerOptions::beforeMicroBatch for the hooks set in the environment (empty when none is). Throws
/// SetupError naming the variable when its value is not a whole number >= 1. Any thread.
std::function<void(long long step, int microBatch)> testHooksFromEnvironment();

/// The step of an RFDETR_TEST_INJECT_OOM_AT_STEP value, or -1 when `text` is not a whole number >= 1. Any thread.
long long parseInjectStep(const std::string& text);

}  // namespace studio::train
