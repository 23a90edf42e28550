#pragma once
// Moving weights between RFDetr and state dicts / .pth checkpoints (rfdetr-spec.md §7.4, §2.9 notes):
// every mismatch is reported with both shapes before anything is copied, query tables are truncated to
// queries x groups as rfdetr does, and a checkpoint of another model size is named as such.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "train/io/py_value.h"
#include "train/io/state_dict.h"
#include "train/model/model_config.h"
#include "train/model/rfdetr.h"

namespace studio::train {

/// Weights that cannot go into the model; the message lists every problem and what to do.
class WeightsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ShapeMismatch {
    std::string key;
    std::vector<int64_t> model;
    std::vector<int64_t> checkpoint;
};

struct LoadReport {
    int loaded = 0;                        // tensors copied
    std::vector<std::string> missing;      // model parameters the checkpoint lacks (left as initialised)
    std::vector<std::string> unexpected;   // checkpoint tensors the model has no place for (ignored)
    std::vector<std::string> truncated;    // "query_feat.weight: 3900 -> 300 rows"
    std::string classHead;                 // "class heads resized from 91 to 4 rows" (fine-tuning), or ""
    bool complete() const { return missing.empty() && unexpected.empty(); }
    /// Multi-line human summary ("loaded 487 tensors; missing: ...").
    std::string describe() const;
};

/// The model's state dict (parameters and buffers), in registration order, sharing storage with the model.
NamedTensors modelStateDict(torch::nn::Module& model);

/// Copies `tensors` into `model` (any device; converted to each parameter's dtype). refpoint_embed /
/// query_feat rows beyond the model's are dropped. Throws WeightsError listing every shape mismatch with
/// both shapes (and, when `strict`, every missing and unexpected key) before changing anything.
LoadReport loadStateDict(RFDetrImpl& model, const NamedTensors& tensors, bool strict);

/// What a state dict says about the architecture it was trained with.
struct StateDictArchitecture {
    int vitWidth = 0;
    int patchSize = 0;
    int positionalEncodingSize = 0;  // side of the learned position grid
    int vitLayers = 0;
    int hiddenDim = 0;
    int decoderLayers = 0;
    int numClassLogits = 0;          // rows of class_embed
    int queryRows = 0;               // rows of query_feat (queries x groups)
    int groups = 0;                  // enc_output heads
    std::optional<ModelSize> size;   // the published size these numbers match, if any
    /// "medium (36x36 position grid, 4 decoder layers, 91 logits)".
    std::string describe() const;
};

/// Reads the architecture from tensor names and shapes. Throws WeightsError when `tensors` is not an
/// RF-DETR state dict (no class_embed / position embeddings).
StateDictArchitecture inspectStateDict(const NamedTensors& tensors);

/// Throws WeightsError when `arch` cannot be loaded into a model built from `config` for reasons other than
/// the class count (another size, another backbone); `source` names the file in the message.
void checkCompatible(const StateDictArchitecture& arch, const ModelConfig& config, const std::string& source);

/// The model-related contents of an rfdetr / Studio checkpoint.
struct CheckpointWeights {
    std::string path;
    NamedTensors model;                       // 'model' (or the file itself when it is a bare state dict)
    std::optional<NamedTensors> ema;          // 'ema_model'
    std::optional<int64_t> epoch;             // 'epoch'
    bool hasOptimizer = false;                // 'optimizer' present (resumable)
    PyValue args;                             // 'args' (argparse.Namespace) or None
    std::vector<std::string> classNames;      // args.class_names when present
    std::vector<std::int64_t> classIds;       // args.class_ids (Studio checkpoints): the label of each name
    std::vector<std::string> unknownClasses;  // opaque Python classes met while reading
    std::vector<std::string> topLevelKeys;    // every key of the checkpoint dict
};

/// class_names from a checkpoint's args (empty when absent or not a list of str).
std::vector<std::string> classNamesFromArgs(const PyValue& args);
/// class_ids from a checkpoint's args (the Studio writes them beside class_names: the category id, i.e. the
/// label, of each class). Empty when absent, not a list of int, or not one per class name.
std::vector<std::int64_t> classIdsFromArgs(const PyValue& args);

/// Reads the weights of a .pth. Throws PthError (unreadable file) or WeightsError (no state dict inside).
CheckpointWeights readCheckpointWeights(const std::string& path);

/// rfdetr's fine-tune path (Model.__init__ with pretrain_weights): builds `config` with the checkpoint's
/// class count, truncates the query tables and loads non-strictly. Throws WeightsError for another model
/// size or shape mismatches. `useEma` takes 'ema_model' when present.
struct LoadedModel {
    RFDetr model{nullptr};
    LoadReport report;
    StateDictArchitecture architecture;
};
LoadedModel buildModelFromCheckpoint(ModelConfig config, const CheckpointWeights& weights, bool useEma = false);

/// Fine-tuning start (rfdetr's Model.__init__ then train()): buildModelFromCheckpoint, then the class heads
/// resized to `classLogits` rows (rows tiled / truncated, box heads untouched) when the dataset needs
/// another count. The returned model's config() has `classLogits` logits.
LoadedModel buildModelForFineTuning(ModelConfig config, const CheckpointWeights& weights, int classLogits,
                                    bool useEma = false);

}  // namespace studio::train
