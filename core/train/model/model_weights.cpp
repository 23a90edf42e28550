#include "train/model/model_weights.h"

#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <ATen/ATen.h>

#include "train/io/pth_file.h"

namespace studio::train {

namespace {

const char* const kPosKey = "backbone.0.encoder.encoder.embeddings.position_embeddings";
const char* const kPatchKey = "backbone.0.encoder.encoder.embeddings.patch_embeddings.projection.weight";
const char* const kVitLayerPrefix = "backbone.0.encoder.encoder.encoder.layer.";
const char* const kDecoderLayerPrefix = "transformer.decoder.layers.";

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool isQueryTable(const std::string& key) {
    return endsWith(key, "refpoint_embed.weight") || endsWith(key, "query_feat.weight");
}

std::string shapeText(at::IntArrayRef s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

// Number of distinct indices i in keys "<prefix><i>.".
int countIndexed(const NamedTensors& tensors, const std::string& prefix) {
    std::set<int> seen;
    for (const auto& [k, t] : tensors) {
        if (k.rfind(prefix, 0) != 0) continue;
        const auto dot = k.find('.', prefix.size());
        if (dot == std::string::npos) continue;
        try {
            seen.insert(std::stoi(k.substr(prefix.size(), dot - prefix.size())));
        } catch (const std::exception&) {
        }
    }
    return static_cast<int>(seen.size());
}

std::string listLines(const std::vector<std::string>& items, size_t max = 40) {
    std::string s;
    for (size_t i = 0; i < items.size() && i < max; ++i) s += "\n    " + items[i];
    if (items.size() > max) s += "\n    ... and " + std::to_string(items.size() - max) + " more";
    return s;
}

}  // namespace

std::string LoadReport::describe() const {
    std::ostringstream os;
    os << "loaded " << loaded << " tensors";
    if (!truncated.empty()) os << "\n  truncated:" << listLines(truncated);
    if (!classHead.empty()) os << "\n  " << classHead;
    if (!missing.empty()) os << "\n  missing from the checkpoint (kept as initialised):" << listLines(missing);
    if (!unexpected.empty()) os << "\n  not used by the model (ignored):" << listLines(unexpected);
    return os.str();
}

NamedTensors modelStateDict(torch::nn::Module& model) {
    NamedTensors out;
    for (const auto& item : model.named_parameters(true)) out.emplace_back(item.key(), item.value());
    for (const auto& item : model.named_buffers(true)) out.emplace_back(item.key(), item.value());
    return out;
}

LoadReport loadStateDict(RFDetrImpl& model, const NamedTensors& tensors, bool strict) {
    LoadReport report;
    std::map<std::string, const at::Tensor*> source;
    for (const auto& [k, t] : tensors) source[k] = &t;
    const NamedTensors target = modelStateDict(model);
    std::vector<std::pair<at::Tensor, at::Tensor>> copies;  // (destination, source)
    std::vector<std::string> mismatches;
    std::set<std::string> used;
    for (const auto& [key, dst] : target) {
        auto it = source.find(key);
        if (it == source.end()) {
            report.missing.push_back(key);
            continue;
        }
        used.insert(key);
        at::Tensor src = *it->second;
        if (isQueryTable(key) && src.dim() == dst.dim() && src.dim() == 2 && src.size(1) == dst.size(1) &&
            src.size(0) > dst.size(0)) {
            report.truncated.push_back(key + ": " + std::to_string(src.size(0)) + " -> " +
                                       std::to_string(dst.size(0)) + " rows");
            src = src.narrow(0, 0, dst.size(0));
        }
        if (src.sizes() != dst.sizes()) {
            mismatches.push_back(key + ": checkpoint " + shapeText(src.sizes()) + ", model " + shapeText(dst.sizes()));
            continue;
        }
        copies.emplace_back(dst, src);
    }
    for (const auto& [k, t] : tensors)
        if (!used.count(k)) report.unexpected.push_back(k);

    if (!mismatches.empty()) {
        throw WeightsError(std::to_string(mismatches.size()) + " tensor(s) do not match the model's shapes:" +
                           listLines(mismatches, 100) +
                           "\n  fix: build the model with the checkpoint's size and class count (model-summary "
                           "--weights shows them), or use a checkpoint of this model");
    }
    if (strict && !report.complete()) {
        std::string msg = "the checkpoint does not match the model exactly";
        if (!report.missing.empty()) msg += "\n  missing:" + listLines(report.missing);
        if (!report.unexpected.empty()) msg += "\n  unexpected:" + listLines(report.unexpected);
        throw WeightsError(msg);
    }
    torch::NoGradGuard noGrad;
    for (auto& [dst, src] : copies) dst.copy_(src);
    report.loaded = static_cast<int>(copies.size());
    return report;
}

std::string StateDictArchitecture::describe() const {
    std::string name = size ? std::string("RF-DETR ") + nameOf(*size) : "an unrecognised RF-DETR variant";
    return name + " (ViT " + std::to_string(vitWidth) + " wide, patch " + std::to_string(patchSize) + ", " +
           std::to_string(positionalEncodingSize) + "x" + std::to_string(positionalEncodingSize) +
           " position grid, " + std::to_string(decoderLayers) + " decoder layers, hidden " +
           std::to_string(hiddenDim) + ", " + std::to_string(numClassLogits) + " class logits, " +
           std::to_string(queryRows) + " query rows)";
}

StateDictArchitecture inspectStateDict(const NamedTensors& tensors) {
    const at::Tensor* pos = findTensor(tensors, kPosKey);
    const at::Tensor* cls = findTensor(tensors, "class_embed.weight");
    if (!pos || !cls || pos->dim() != 3 || cls->dim() != 2)
        throw WeightsError("not an RF-DETR state dict: '" + std::string(pos ? "class_embed.weight" : kPosKey) +
                           "' is missing (" + std::to_string(tensors.size()) + " tensors)");
    StateDictArchitecture a;
    a.vitWidth = static_cast<int>(pos->size(2));
    a.positionalEncodingSize = static_cast<int>(std::lround(std::sqrt(static_cast<double>(pos->size(1) - 1))));
    if (const at::Tensor* patch = findTensor(tensors, kPatchKey); patch && patch->dim() == 4)
        a.patchSize = static_cast<int>(patch->size(3));
    a.vitLayers = countIndexed(tensors, kVitLayerPrefix);
    a.decoderLayers = countIndexed(tensors, kDecoderLayerPrefix);
    a.hiddenDim = static_cast<int>(cls->size(1));
    a.numClassLogits = static_cast<int>(cls->size(0));
    if (const at::Tensor* q = findTensor(tensors, "query_feat.weight")) a.queryRows = static_cast<int>(q->size(0));
    a.groups = countIndexed(tensors, "transformer.enc_output.");
    for (const auto& spec : modelSizeSpecs()) {
        if (a.vitWidth == 384 && a.patchSize == 16 && a.hiddenDim == 256 &&
            a.positionalEncodingSize == spec.positionalEncodingSize && a.decoderLayers == spec.decoderLayers)
            a.size = spec.size;
    }
    return a;
}

void checkCompatible(const StateDictArchitecture& a, const ModelConfig& c, const std::string& source) {
    const bool same = a.vitWidth == c.vitWidth && a.patchSize == c.patchSize &&
                      a.positionalEncodingSize == c.positionalEncodingSize && a.vitLayers == c.vitLayers &&
                      a.hiddenDim == c.hiddenDim && a.decoderLayers == c.decoderLayers;
    if (same) return;
    std::string msg = source + " holds " + a.describe() + ", but the model being built is " + c.describe();
    if (a.size) {
        msg += std::string("\n  fix: use --model-size ") + nameOf(*a.size) + " with this checkpoint";
    } else {
        msg += "\n  fix: this checkpoint is not an RF-DETR nano/small/medium/large model (RF-DETR Base and the "
               "deprecated Large use patch 14 or a ViT-B backbone) and cannot be loaded";
    }
    throw WeightsError(msg);
}

CheckpointWeights readCheckpointWeights(const std::string& path) {
    PthFile file = readPth(path);
    CheckpointWeights w;
    w.path = path;
    w.unknownClasses = file.unknownClasses;
    const PyValue& root = file.root;
    if (!root.isDict())
        throw WeightsError(path + ": the checkpoint holds a " + root.typeName() + ", expected a dict with 'model'");
    for (const auto& [k, v] : root.dictRef().entries) w.topLevelKeys.push_back(k.isString() ? k.asString() : k.repr());
    try {
        if (const PyValue* m = root.find("model")) {
            w.model = stateDictFromValue(*m, "model");
        } else if (!root.dictRef().entries.empty() && root.dictRef().entries.front().second.isTensor()) {
            w.model = stateDictFromValue(root, "state dict");  // a bare state dict
        } else {
            std::string keys;
            for (const auto& k : w.topLevelKeys) keys += (keys.empty() ? "" : ", ") + k;
            throw WeightsError(path + ": no 'model' state dict in the checkpoint (keys: " + keys + ")");
        }
        if (const PyValue* e = root.find("ema_model"); e && e->isDict()) w.ema = stateDictFromValue(*e, "ema_model");
    } catch (const WeightsError&) {
        throw;
    } catch (const std::runtime_error& e) {
        throw WeightsError(path + ": " + e.what());
    }
    if (const PyValue* e = root.find("epoch"); e && e->isInt()) w.epoch = e->asInt();
    w.hasOptimizer = root.find("optimizer") != nullptr;
    if (const PyValue* a = root.find("args")) {
        w.args = *a;
        w.classNames = classNamesFromArgs(*a);
        w.classIds = classIdsFromArgs(*a);
    }
    return w;
}

LoadedModel buildModelFromCheckpoint(ModelConfig config, const CheckpointWeights& weights, bool useEma) {
    const NamedTensors& sd = useEma && weights.ema ? *weights.ema : weights.model;
    LoadedModel out;
    try {
        out.architecture = inspectStateDict(sd);
    } catch (const WeightsError& e) {
        throw WeightsError(weights.path + ": " + e.what());
    }
    checkCompatible(out.architecture, config, weights.path);
    config.numClassLogits = out.architecture.numClassLogits;  // rfdetr: the class count comes from the checkpoint
    out.model = RFDetr(config);
    try {
        out.report = loadStateDict(*out.model, sd, false);
    } catch (const WeightsError& e) {
        throw WeightsError(weights.path + ": " + e.what());
    }
    return out;
}

LoadedModel buildModelForFineTuning(ModelConfig config, const CheckpointWeights& weights, int classLogits,
                                    bool useEma) {
    LoadedModel out = buildModelFromCheckpoint(std::move(config), weights, useEma);
    const int from = out.model->config().numClassLogits;
    if (classLogits != from) {
        out.model->resizeClassHead(classLogits);
        out.report.classHead = "class heads resized from " + std::to_string(from) + " to " +
                               std::to_string(classLogits) + " rows (rows " +
                               (classLogits < from ? "truncated" : "tiled") + ", box heads kept)";
    }
    return out;
}

namespace {
// args.<key> as a list of T (each item passing `is`, read by `as`); empty when absent or any item is not a T.
template <typename T, typename Is, typename As>
std::vector<T> listFromArgs(const PyValue& args, const char* key, Is is, As as) {
    std::vector<T> out;
    const PyValue* list = args.isMapping() ? args.find(key) : nullptr;
    if (!list || !list->isSequence()) return out;
    for (const auto& item : list->items()) {
        if (!(item.*is)()) return {};
        out.push_back((item.*as)());
    }
    return out;
}
}  // namespace

std::vector<std::string> classNamesFromArgs(const PyValue& args) {
    return listFromArgs<std::string>(args, "class_names", &PyValue::isString, &PyValue::asString);
}

std::vector<std::int64_t> classIdsFromArgs(const PyValue& args) {
    std::vector<std::int64_t> ids = listFromArgs<std::int64_t>(args, "class_ids", &PyValue::isInt, &PyValue::asInt);
    if (ids.size() != classNamesFromArgs(args).size()) return {};
    return ids;
}

}  // namespace studio::train
