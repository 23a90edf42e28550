#pragma once
// The `args` entry of a checkpoint: an argparse.Namespace with rfdetr's populate_args keys (model and
// training settings, class_names, num_classes = logits - 1), so rfdetr and other Python tools that read
// checkpoint['args'] find what they expect (rfdetr-spec.md §7.1, §7.4).
#include <string>
#include <vector>

#include "base/coco/coco_dataset.h"
#include "base/config/run_config.h"
#include "train/io/py_value.h"
#include "train/model/model_config.h"

namespace studio::train {

/// argparse.Namespace(...) for a run of `cfg` training `model` on a dataset with `classes`: rfdetr's keys, plus
/// `class_ids` (the Studio's: the category id, i.e. the label, of each of class_names) because rfdetr's own
/// reading, label k = class_names[k - 1], is wrong for datasets whose category ids have gaps.
PyValue trainArgsNamespace(const RunConfig& cfg, const ModelConfig& model, const ClassList& classes, int worldSize);
/// (classNamesFromArgs / classIdsFromArgs, which read them back, are in model_weights.h.)

}  // namespace studio::train
