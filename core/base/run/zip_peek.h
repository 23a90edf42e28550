#pragma once
// Reads the top-level keys of a PyTorch checkpoint (a zip with <prefix>/data.pkl) without Torch, to tell
// what a .pth holds (EMA weights, optimizer state, epoch) for resume discovery in the GUI.
#include <string>

namespace studio {

struct PickleKeys {
    bool readable = false;   // a zip with a data.pkl whose pickle ends with STOP
    bool hasModel = false;
    bool hasEmaModel = false;
    bool hasOptimizer = false;
    bool hasLrScheduler = false;
    int epoch = -1;
};

/// Never throws; unreadable/truncated files give readable = false.
PickleKeys peekCheckpointKeys(const std::string& path);

/// The bytes of the first zip entry whose name ends with `suffix` (stored or deflated); "" when absent.
/// `ok` is false when the archive is not a readable zip.
std::string readZipEntry(const std::string& path, const std::string& suffix, bool* ok);

}  // namespace studio
