#pragma once
// hf:<owner>/<name>[@rev] -> a local dataset folder the trainer reads like any Roboflow COCO export:
//   <studio cache>/hf-datasets/<owner>--<name>/<commit>/{train,valid,test}/_annotations.coco.json
// Images stay inside the downloaded parquet shards (Hub cache): each split has "_parquet_images.idx"
// and the loader gets bytes through ImageStore (image_store.h). No JPEG re-encoding, no second copy.
// Optional: HubImageMode::Extract writes the PNG files into the split folders instead (a full copy).
// Splits are used as named: validation is `valid` (or `validation`/`val`), never `test`.
// Classes (Roboflow convention, like the demo data): category 0 "forms" (supercategory "none"), then the
// dataset's ClassLabel k as category k + 1 — CommonForms: Text=1, CheckBox=2, Signature=3.
#include <cstdint>
#include <string>
#include <vector>

#include "base/hf/dataset_fetch.h"
#include "base/hf/progress.h"
#include "base/util/env.h"

namespace studio::hubdata {

enum class HubImageMode { Index, Extract };

struct SplitSummary {
    std::string name;          // folder: train / valid / test
    std::string sourceSplit;   // the Hub's split name
    std::int64_t images = 0;
    std::int64_t boxes = 0;
    std::int64_t droppedBoxes = 0;  // empty or non-finite boxes
    std::int64_t clippedBoxes = 0;  // boxes reaching outside the page, clipped to it
    std::size_t shards = 0;
};

struct PreparedDataset {
    std::string dir;
    std::string repo;
    std::string commit;
    std::vector<std::string> classNames;  // dataset classes in label order (category k + 1)
    std::vector<SplitSummary> splits;
    HubImageMode mode = HubImageMode::Index;
    bool reused = false;                   // found ready, nothing rebuilt
};

struct PrepareOptions {
    HubImageMode images = HubImageMode::Index;
    hf::FetchOptions fetch;                // splits, parallel downloads, retry
};

/// Where the Studio keeps derived data: `cacheDir` when set, else $XDG_CACHE_HOME/rfdetr-studio, else
/// ~/.cache/rfdetr-studio.
std::string studioCacheDir(const std::string& cacheDir, const EnvMap& env);

/// Builds the prepared folder `outDir` from downloaded shards (atomically: temp folder + rename).
/// Throws std::runtime_error / parquet::ParquetError with the file and what to do.
PreparedDataset buildPreparedDataset(const hf::FetchedDataset& fetched, const std::string& outDir,
                                     HubImageMode mode, const hf::ProgressSink& progress);

/// Reads `dir`/dataset_info.json; false when the folder is not a complete prepared dataset.
bool loadPreparedDataset(const std::string& dir, PreparedDataset& out);

/// The engine's entry point: downloads (resuming, verifying) and prepares `spec` ("hf:owner/name[@rev]"),
/// returns the local dataset folder. `cacheDir` = RunConfig cache_dir ("" = defaults: Hub files in the
/// huggingface_hub cache, the prepared folder under ~/.cache/rfdetr-studio); `token` = RunConfig hf_token
/// ("" = HF_TOKEN / the huggingface token file). Honours HF_ENDPOINT and HF_HUB_OFFLINE; without network
/// it falls back to a folder prepared earlier for the cached revision. Blocks; safe when several processes
/// (ranks) call it at once (locks). Throws hf::HubError / std::runtime_error with what to do.
std::string prepareHubDataset(const std::string& spec, const std::string& cacheDir, const std::string& token,
                              const hf::ProgressSink& progress);
/// Same, with options and an explicit environment; returns the full summary.
PreparedDataset prepareHubDatasetWith(const std::string& spec, const std::string& cacheDir, const std::string& token,
                                      const hf::ProgressSink& progress, const PrepareOptions& options,
                                      const EnvMap& env);

}  // namespace studio::hubdata
