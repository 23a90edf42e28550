#pragma once
// Validates a COCO dataset folder before training (and for `rfdetr-train validate-dataset`): the
// layout (train/ and valid/ required), every annotation file, every image file, the boxes, and
// rfdetr's class-id convention. Every problem names its file and record; errors mean training must
// not start.
#include <string>
#include <vector>

#include "base/coco/dataset_report.h"
#include "base/config/run_config.h"

namespace studio {

/// Validates the folder `root`. Never throws for bad data (an unreadable folder is a problem too);
/// may throw std::bad_alloc. Any thread; uses options.threads threads for the image checks.
DatasetReport validateDataset(const std::string& root, const DatasetCheckOptions& options = {});

/// The check the trainer runs before every run, on the dataset folder the run resolved (demo and
/// hf: datasets are resolved to their folders first): every image opened, pages with more boxes
/// than cfg.numQueries reported. Start training only when `!report.hasErrors()`; print
/// formatProblems(report.problems) either way. Any thread.
DatasetReport validateDatasetForRun(const std::string& folder, const RunConfig& cfg,
                                    const DatasetCheckOptions& options = {});

/// Validates an opened dataset; `openProblems` are those CocoDataset::open reported (they come
/// first).
DatasetReport validateDataset(const CocoDataset& dataset, const std::vector<Problem>& openProblems,
                              const DatasetCheckOptions& options = {});

}  // namespace studio
