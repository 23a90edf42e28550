#pragma once
// The `args` entry of a checkpoint: an argparse.Namespace with rfdetr's populate_args keys (model and
// training settings, class_names, num_classes = logits - 1), so rfdetr and other Python tools that read
// checkpoint['args'] find what they expect (rfdetr-spec.md §7.1, §7.4).
#include <string>
#include <vector>

#include "base/config/run_config.h"
#include "train/io/py_value.h"
#include "train/model/model_config.h"

namespace studio::train {

/// argparse.Namespace(...) for a run of `cfg` training `model` on a dataset with `classNames`.
PyValue trainArgsNamespace(const RunConfig& cfg, const ModelConfig& model, const std::vector<std::string>& classNames,
                           int worldSize);

/// class_names from a checkpoint's args (empty when absent or not a list of str).
std::vector<std::string> classNamesFromArgs(const PyValue& args);

}  // namespace studio::train
