#pragma once
// The RF-DETR checkpoints Roboflow publishes (COCO-trained), by the names rfdetr accepts as
// pretrain_weights ("rf-detr-medium.pth", ...). rfdetr downloads a missing one into the working folder;
// the Studio keeps them in its cache (<cache>/weights/<name>), downloads under a lock into a `.part`
// file that is resumed after an interruption, and renames it into place only when complete, so a
// half-written checkpoint never carries the final name.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/config/model_sizes.h"
#include "base/events/events.h"

namespace studio {

struct PublishedWeights {
    const char* name;  // what users type: --pretrain-weights rf-detr-medium.pth
    const char* path;  // below the download base URL
    ModelSize size;
};

/// Every published detection checkpoint the Studio's model sizes can load.
const std::vector<PublishedWeights>& publishedWeights();
/// The entry named `name` (a bare file name, as rfdetr takes it), or nullptr.
const PublishedWeights* findPublishedWeights(std::string_view name);
/// "rf-detr-nano.pth, rf-detr-small.pth, ..." for messages.
std::string publishedWeightsNames();

/// Roboflow's storage ("https://storage.googleapis.com/rfdetr"); RFDETR_WEIGHTS_BASE_URL in `env`
/// replaces it (a mirror, or a machine without internet access that serves the files itself).
std::string weightsBaseUrl(const std::map<std::string, std::string>& env);

struct WeightsDownloadOptions {
    std::string baseUrl;                    // empty: weightsBaseUrl() of the process environment
    int maxAttempts = 6;                    // network errors and 5xx, resumed where they stopped
    std::function<void(const ProgressEvent&)> progress;  // empty: ProgressEvents on studio::events()
};

/// What `--pretrain-weights VALUE` names: an existing file is used as it is; otherwise a published name
/// (no folder part) is looked up in `<studioCacheDir(cacheDir)>/weights/`, and downloaded there first
/// when missing. Returns the file to load. Throws std::runtime_error naming the file or URL and what to
/// do: not a file and not a published name, network or HTTP failure, a download that is not a PyTorch
/// checkpoint. Any thread; two processes never download the same file at once.
std::string resolvePretrainWeights(const std::string& value, const std::string& cacheDir,
                                   const WeightsDownloadOptions& options = {});

/// Where resolvePretrainWeights keeps published checkpoint `name` for `cacheDir` (whether or not it exists).
std::string publishedWeightsPath(const std::string& name, const std::string& cacheDir);

}  // namespace studio
