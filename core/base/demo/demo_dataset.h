#pragma once
// The built-in demo dataset (`--dataset demo`, the default): synthetic form pages in the Roboflow COCO
// layout rfdetr reads (train/ valid/ test/, each with _annotations.coco.json and the PNGs), with the
// CommonForms classes: category 0 "forms" (supercategory "none"), 1 "Text", 2 "CheckBox", 3 "Signature"
// (supercategory "forms"), so rfdetr's convention gives a 4-logit head. Generated once, deterministically,
// into <cache dir>/demo/v3 (docs/DATA.md says why v1 and v2 printed too small to learn from scratch on a
// CPU); generation happens in a temporary folder renamed into place, under a lock file, so two processes
// never see or write a half-made dataset.
#include <cstdint>
#include <functional>
#include <string>

#include "base/events/events.h"

namespace studio {

constexpr const char* kDemoDatasetVersion = "v3";
/// Class logits of a model trained on the demo: category ids 0 ("forms", supercategory none) to 3.
constexpr int kDemoClassLogits = 4;

struct DemoDatasetSpec {
    int trainImages = 300;
    int validImages = 60;
    int testImages = 60;
    int width = 400;         // pages are width x {1.25, 1.29, 1.375} x width
    int layoutWidth = 250;   // print sizes are width / layoutWidth times their base size (renderDemoPage)
    std::uint64_t seed = 0x5eed0f0f0f0f0001ULL;  // changing it (or the drawing code) means a new version
};

/// Receives generation progress; called from generator threads, one call at a time.
using DemoProgress = std::function<void(const ProgressEvent&)>;

/// The demo dataset folder `<studioCacheDir(cacheDir)>/demo/v3`, generated first when missing (with
/// progress; `progress` empty = ProgressEvents on studio::events()). Waits while another process
/// generates it. Throws std::runtime_error naming the folder and the fix when it cannot be created or an
/// existing copy is incomplete. Any thread. `spec` other than the default is for tests.
std::string ensureDemoDataset(const std::string& cacheDir, const DemoProgress& progress = {},
                              const DemoDatasetSpec& spec = {});

/// Where ensureDemoDataset keeps the dataset for `cacheDir` (`<studioCacheDir(cacheDir)>/demo/v3`), whether or
/// not it exists yet; generates nothing. Throws std::runtime_error when no cache folder can be determined.
std::string demoDatasetDir(const std::string& cacheDir);

/// Writes the dataset into `folder` (created; must not exist yet) using up to `threads` threads (0 = one
/// per core, at most 4). The bytes depend only on `spec`. Throws std::runtime_error naming the file.
void generateDemoDataset(const std::string& folder, const DemoDatasetSpec& spec, const DemoProgress& progress = {},
                         int threads = 0);

/// Name of demo category `categoryId`: 0 "forms", 1 "Text", 2 "CheckBox", 3 "Signature" ("" otherwise).
const char* demoClassName(int categoryId);

}  // namespace studio
