#include "base/config/config_fields.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

namespace studio {

using nlohmann::json;

std::optional<long long> parseInteger(const std::string& text) {
    if (text.empty()) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    if (errno != 0 || end == text.c_str() || *end != '\0') return std::nullopt;
    return v;
}

std::optional<double> parseReal(const std::string& text) {
    if (text.empty()) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (errno != 0 || end == text.c_str() || *end != '\0' || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<bool> parseBool(const std::string& text) {
    std::string v = text;
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
    if (v == "0" || v == "false" || v == "no" || v == "off") return false;
    return std::nullopt;
}

namespace {

ConfigField field(std::string key, std::string flag, std::string env, std::string group, std::string help,
                  std::string example) {
    ConfigField f;
    f.key = std::move(key);
    f.flag = std::move(flag);
    f.envVar = std::move(env);
    f.group = std::move(group);
    f.help = std::move(help);
    f.example = std::move(example);
    return f;
}

template <typename T>
ConfigField intField(ConfigField f, T RunConfig::*member) {
    f.type = FieldType::Int;
    f.get = [member](const RunConfig& c) { return json(c.*member); };
    f.setText = [member](RunConfig& c, const std::string& t) -> std::optional<std::string> {
        const auto v = parseInteger(t);
        if (!v) return std::string("is not a whole number");
        if (*v < std::numeric_limits<T>::min() || *v > std::numeric_limits<T>::max())
            return std::string("is out of range");
        c.*member = static_cast<T>(*v);
        return std::nullopt;
    };
    return f;
}

ConfigField realField(ConfigField f, double RunConfig::*member) {
    f.type = FieldType::Double;
    f.get = [member](const RunConfig& c) { return json(c.*member); };
    f.setText = [member](RunConfig& c, const std::string& t) -> std::optional<std::string> {
        const auto v = parseReal(t);
        if (!v) return std::string("is not a number");
        c.*member = *v;
        return std::nullopt;
    };
    return f;
}

ConfigField boolField(ConfigField f, bool RunConfig::*member) {
    f.type = FieldType::Bool;
    f.get = [member](const RunConfig& c) { return json(c.*member); };
    f.setText = [member](RunConfig& c, const std::string& t) -> std::optional<std::string> {
        const auto v = parseBool(t);
        if (!v) return std::string("is not true or false");
        c.*member = *v;
        return std::nullopt;
    };
    return f;
}

ConfigField stringField(ConfigField f, std::string RunConfig::*member, FieldType type = FieldType::String) {
    f.type = type;
    f.get = [member](const RunConfig& c) { return json(c.*member); };
    f.setText = [member](RunConfig& c, const std::string& t) -> std::optional<std::string> {
        c.*member = t;
        return std::nullopt;
    };
    return f;
}

std::string joinChoices(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

/// A Choice field stored as an enum member: `name` writes it, `parse` reads it (nullopt -> `error`).
template <class E>
ConfigField enumField(ConfigField f, std::vector<std::string> choices, E RunConfig::*member,
                      const char* (*name)(E), std::optional<E> (*parse)(const std::string&), std::string error) {
    f.type = FieldType::Choice;
    f.choices = std::move(choices);
    f.get = [member, name](const RunConfig& c) { return json(name(c.*member)); };
    f.setText = [member, parse, error](RunConfig& c, const std::string& t) -> std::optional<std::string> {
        const std::optional<E> v = parse(t);
        if (!v) return error;
        c.*member = *v;
        return std::nullopt;
    };
    return f;
}

std::vector<ConfigField> buildFields() {
    std::vector<ConfigField> v;
    const std::string gData = "Data", gModel = "Model", gBatch = "Batch and hardware",
                      gOpt = "Optimiser and schedule", gEma = "EMA and early stopping",
                      gRun = "Run folder and checkpoints", gHub = "Hugging Face Hub";

    v.push_back(stringField(field("dataset", "--dataset", "DATASET", gData,
                                  "Dataset: a COCO folder (train/ valid/ test/ with _annotations.coco.json), "
                                  "hf:<owner>/<name>[@revision] for a Hugging Face dataset, or demo.",
                                  "demo"),
                            &RunConfig::dataset, FieldType::Path));
    v.push_back(stringField(field("cache_dir", "--cache-dir", "CACHE_DIR", gData,
                                  "Cache for downloads, the demo dataset and annotation indexes "
                                  "(empty: ~/.cache/rfdetr-studio).",
                                  "/workspace/cache"),
                            &RunConfig::cacheDir, FieldType::Path));
    v.push_back(intField(field("num_workers", "--num-workers", "NUM_WORKERS", gData,
                               "Data-loader threads per process; raise it when the GPU waits for data.", "8"),
                         &RunConfig::numWorkers));

    {
        ConfigField f = field("model_size", "--model-size", "MODEL_SIZE", gModel,
                              "RF-DETR size: small (512 px), medium (576 px) or large (704 px); nano (384 px).",
                              "medium");
        f.type = FieldType::Choice;
        for (const auto& s : modelSizeSpecs()) f.choices.push_back(s.name);
        f.get = [](const RunConfig& c) { return json(nameOf(c.modelSize)); };
        f.setText = [](RunConfig& c, const std::string& t) -> std::optional<std::string> {
            const auto s = parseModelSize(t);
            if (!s) return "is not a model size (choose " + modelSizeChoices() + ")";
            c.modelSize = *s;
            return std::nullopt;
        };
        v.push_back(f);
    }
    {
        ConfigField f = intField(field("resolution", "--resolution", "RESOLUTION", gModel,
                                       "Input resolution in pixels, a multiple of 32 (0: the size's default).",
                                       "576"),
                                 &RunConfig::resolution);
        f.advanced = true;
        // The dry-run JSON shows the resolution actually used.
        f.get = [](const RunConfig& c) { return json(resolvedResolution(c)); };
        v.push_back(f);
    }
    v.push_back(stringField(field("pretrain_weights", "--pretrain-weights", "PRETRAIN_WEIGHTS", gModel,
                                  "Checkpoint (.pth) to fine-tune from: a file, or a published name (rf-detr-nano.pth, "
                                  "rf-detr-small.pth, rf-detr-medium.pth, rf-detr-large-2026.pth) downloaded once into "
                                  "the cache (RFDETR_WEIGHTS_BASE_URL: a mirror). Empty: from scratch.",
                                  "rf-detr-medium.pth"),
                            &RunConfig::pretrainWeights, FieldType::Path));
    {
        auto f = intField(field("num_queries", "--num-queries", "", gModel, "Object queries per group.", "300"),
                          &RunConfig::numQueries);
        f.advanced = true;
        v.push_back(f);
        auto g = intField(field("group_detr", "--group-detr", "", gModel,
                                "Query groups during training (Group DETR); 1 at inference.", "13"),
                          &RunConfig::groupDetr);
        g.advanced = true;
        v.push_back(g);
    }

    v.push_back(intField(field("batch_size", "--batch-size", "BATCH_SIZE", gBatch,
                               "Images per GPU in one forward pass; the effective batch multiplies it by the "
                               "accumulation steps and the GPU count.",
                               "16"),
                         &RunConfig::batchSize));
    v.push_back(intField(field("grad_accum_steps", "--grad-accum-steps", "GRAD_ACCUM_STEPS", gBatch,
                               "Micro-batches accumulated before each optimiser step (raise it instead of the "
                               "batch size when a GPU runs out of memory).",
                               "1"),
                         &RunConfig::gradAccumSteps));
    v.push_back(intField(field("num_gpus", "--num-gpus", "NUM_GPUS", gBatch,
                               "GPUs on this node; one training process per GPU.", "4"),
                         &RunConfig::numGpus));
    {
        ConfigField f = field("gpu_ids", "--gpus", "", gBatch,
                              "Explicit CUDA device indices, comma-separated (empty: 0..num_gpus-1).", "0,1");
        f.type = FieldType::IntList;
        f.advanced = true;
        f.get = [](const RunConfig& c) { return json(c.gpuIds); };
        f.setText = [](RunConfig& c, const std::string& t) -> std::optional<std::string> {
            std::vector<int> ids;
            std::stringstream ss(t);
            std::string item;
            while (std::getline(ss, item, ',')) {
                if (item.empty()) continue;
                const auto n = parseInteger(item);
                if (!n || *n < 0 || *n > 1023) return "is not a comma-separated list of GPU indices";
                ids.push_back(static_cast<int>(*n));
            }
            c.gpuIds = ids;
            return std::nullopt;
        };
        v.push_back(f);
    }
    {
        auto f = intField(field("nproc_per_node", "--nproc-per-node", "", gBatch,
                                "Processes on this node (0: num_gpus); with --device cpu, N Gloo ranks.", "2"),
                          &RunConfig::nprocPerNode);
        f.advanced = true;
        v.push_back(f);
    }
    auto adv = [](ConfigField f) {
        f.advanced = true;
        return f;
    };
    v.push_back(enumField(field("device", "--device", "DEVICE", gBatch,
                                "Where to train: auto (CUDA when present), cuda or cpu.", "auto"),
                          {"auto", "cuda", "cpu"}, &RunConfig::device, nameOf, parseDeviceKind,
                          "is not a device (choose auto, cuda or cpu)"));
    v.push_back(adv(enumField(field("amp", "--amp", "", gBatch,
                                    "Mixed precision on CUDA: bf16 (the reference's choice), fp16 or off.", "bf16"),
                              {"bf16", "fp16", "off"}, &RunConfig::amp, nameOf, parseAmpDtype,
                              "is not a precision (choose bf16, fp16 or off)")));

    v.push_back(intField(field("epochs", "--epochs", "EPOCHS", gOpt, "Passes over the training split.", "30"),
                         &RunConfig::epochs));
    {
        auto f = realField(field("lr", "--lr", "LEARNING_RATE", gOpt,
                                 "Learning rate of the decoder and heads (the ViT uses lr_encoder).", "1e-4"),
                           &RunConfig::lr);
        f.aliases = {"--learning-rate"};
        v.push_back(f);
    }
    v.push_back(adv(realField(field("lr_encoder", "--lr-encoder", "", gOpt,
                                    "Base learning rate of the ViT backbone (before layer-wise decay).", "1.5e-4"),
                              &RunConfig::lrEncoder)));
    v.push_back(adv(realField(field("lr_vit_layer_decay", "--lr-vit-layer-decay", "", gOpt,
                                    "Per-layer learning-rate decay of the ViT, in (0, 1].", "0.8"),
                              &RunConfig::lrVitLayerDecay)));
    v.push_back(adv(realField(field("lr_component_decay", "--lr-component-decay", "", gOpt,
                                    "Learning-rate factor of the backbone (squared) and decoder, in (0, 1].", "0.7"),
                              &RunConfig::lrComponentDecay)));
    v.push_back(adv(realField(field("weight_decay", "--weight-decay", "", gOpt, "AdamW weight decay.", "1e-4"),
                              &RunConfig::weightDecay)));
    v.push_back(adv(realField(field("clip_max_norm", "--clip-max-norm", "", gOpt,
                                    "Gradient clipping by global L2 norm (0: off).", "0.1"),
                              &RunConfig::clipMaxNorm)));
    v.push_back(adv(enumField(field("lr_scheduler", "--lr-scheduler", "", gOpt,
                                    "Learning-rate schedule: step (constant, 10x drop at lr_drop) or cosine.", "step"),
                              {"step", "cosine"}, &RunConfig::lrScheduler, nameOf, parseLrSchedule,
                              "is not a schedule (choose step or cosine)")));
    v.push_back(adv(intField(field("lr_drop", "--lr-drop", "", gOpt,
                                   "Epoch at which the step schedule divides the lr by 10 (0: never).", "0"),
                             &RunConfig::lrDrop)));
    v.push_back(adv(realField(field("warmup_epochs", "--warmup-epochs", "", gOpt,
                                    "Linear warm-up length in epochs (may be fractional).", "0"),
                              &RunConfig::warmupEpochs)));
    v.push_back(adv(realField(field("lr_min_factor", "--lr-min-factor", "", gOpt,
                                    "Cosine schedule floor as a fraction of the lr.", "0"),
                              &RunConfig::lrMinFactor)));
    v.push_back(adv(boolField(field("multi_scale", "--multi-scale", "", gOpt,
                                    "Train each step at a random resolution around the model's.", "true"),
                              &RunConfig::multiScale)));
    v.push_back(adv(boolField(field("expanded_scales", "--expanded-scales", "", gOpt,
                                    "Use the wider set of 11 training resolutions.", "true"),
                              &RunConfig::expandedScales)));

    v.push_back(adv(boolField(field("use_ema", "--use-ema", "", gEma,
                                    "Keep an exponential moving average of the weights (evaluated every epoch).",
                                    "true"),
                              &RunConfig::useEma)));
    v.push_back(adv(realField(field("ema_decay", "--ema-decay", "", gEma, "EMA decay, in [0, 1).", "0.993"),
                              &RunConfig::emaDecay)));
    v.push_back(adv(realField(field("ema_tau", "--ema-tau", "", gEma,
                                    "EMA warm-up in optimiser steps: decay x (1 - exp(-updates / tau)).", "100"),
                              &RunConfig::emaTau)));
    v.push_back(adv(boolField(field("early_stopping", "--early-stopping", "EARLY_STOPPING", gEma,
                                    "Stop when validation mAP stops improving.", "true"),
                              &RunConfig::earlyStopping)));
    v.push_back(adv(intField(field("early_stopping_patience", "--early-stopping-patience", "", gEma,
                                   "Epochs without improvement before stopping.", "10"),
                             &RunConfig::earlyStoppingPatience)));
    v.push_back(adv(realField(field("early_stopping_min_delta", "--early-stopping-min-delta", "", gEma,
                                    "Smallest mAP gain that counts as an improvement.", "0.001"),
                              &RunConfig::earlyStoppingMinDelta)));
    v.push_back(adv(boolField(field("early_stopping_use_ema", "--early-stopping-use-ema", "", gEma,
                                    "Judge early stopping on the EMA model's mAP only.", "false"),
                              &RunConfig::earlyStoppingUseEma)));

    v.push_back(stringField(field("output_dir", "--output-dir", "OUTPUT_DIR", gRun,
                                  "Run folder: checkpoints, logs, events, TensorBoard files.",
                                  "/workspace/outputs/rfdetr-commonforms"),
                            &RunConfig::outputDir, FieldType::Path));
    {
        ConfigField f = field("resume", "--resume", "RESUME_CHECKPOINT", gRun,
                              "Resume: a checkpoint path, auto (the newest complete checkpoint with EMA state "
                              "in the output folder) or empty.",
                              "auto");
        f.type = FieldType::Path;
        f.get = [](const RunConfig& c) { return json(resumeSetting(c)); };
        f.setText = [](RunConfig& c, const std::string& t) -> std::optional<std::string> {
            setResumeSetting(c, t);
            return std::nullopt;
        };
        v.push_back(f);
    }
    v.push_back(adv(intField(field("checkpoint_interval", "--checkpoint-interval", "", gRun,
                                   "Epochs between numbered checkpoints (checkpointNNNN.pth).", "10"),
                             &RunConfig::checkpointInterval)));
    v.push_back(adv(intField(field("eval_interval", "--eval-interval", "", gRun,
                                   "Epochs between validation passes.", "1"),
                             &RunConfig::evalInterval)));
    v.push_back(adv(intField(field("max_steps", "--max-steps", "", gRun,
                                   "Stop after this many optimiser steps (0: no limit).", "100"),
                             &RunConfig::maxSteps)));
    {
        ConfigField f = field("seed", "--seed", "", gRun, "Random seed (each rank adds its rank).", "42");
        f.type = FieldType::Int;
        f.advanced = true;
        f.get = [](const RunConfig& c) { return json(c.seed); };
        f.setText = [](RunConfig& c, const std::string& t) -> std::optional<std::string> {
            const auto v = parseInteger(t);
            if (!v || *v < 0) return std::string("is not a non-negative whole number");
            c.seed = static_cast<std::uint64_t>(*v);
            return std::nullopt;
        };
        v.push_back(f);
    }
    v.push_back(adv(boolField(field("tensorboard", "--tensorboard", "", gRun,
                                    "Write TensorBoard scalars to <output_dir>/tb.", "true"),
                              &RunConfig::tensorboard)));
    v.push_back(adv(boolField(field("serve_tensorboard", "--serve-tensorboard", "", gRun,
                                    "Start `tensorboard --logdir <output_dir>/tb --host 127.0.0.1` for the run's "
                                    "duration and print its URL (needs TensorBoard on PATH; training goes on "
                                    "without it).",
                                    "true"),
                              &RunConfig::serveTensorboard)));
    v.push_back(adv(intField(field("tensorboard_port", "--tensorboard-port", "", gRun,
                                   "Port for --serve-tensorboard; the next free one when it is taken.", "6006"),
                             &RunConfig::tensorboardPort)));
    v.push_back(adv(boolField(field("keep_effective_batch", "--keep-effective-batch", "", gRun,
                                    "On resume with another GPU count, adapt accumulation to keep the effective "
                                    "batch.",
                                    "true"),
                              &RunConfig::keepEffectiveBatch)));
    v.push_back(adv(intField(field("dist_timeout_s", "--dist-timeout", "", gRun,
                                   "Seconds to wait for other ranks (rendezvous and collectives).", "600"),
                             &RunConfig::distTimeoutS)));
    v.push_back(adv(enumField(field("grad_compression", "--grad-compression", "", gRun,
                                    "Precision of the gradient all-reduce between processes: none (fp32, exact), "
                                    "bf16 or fp16 (half the bytes, for slow links between nodes; fp16 is scaled by "
                                    "1/world first). Gloo (CPU ranks) may sum one of them or neither (LibTorch 1.13: fp16 "
                                    "only); a precision it cannot sum is refused when the ranks meet.",
                                    "bf16"),
                              {"none", "bf16", "fp16"}, &RunConfig::gradCompression, nameOf, parseGradCompression,
                              "is not a gradient precision (choose none, bf16 or fp16)")));

    {
        auto f = stringField(field("hf_token", "--hf-token", "HF_TOKEN", gHub,
                                   "Hugging Face token (also read from the huggingface_hub token file); never "
                                   "printed or saved.",
                                   "hf_..."),
                             &RunConfig::hfToken);
        f.secret = true;
        v.push_back(f);
    }
    v.push_back(stringField(field("hf_username", "--hf-username", "HF_USERNAME", gHub,
                                  "Hugging Face user or organisation that receives the trained model.", "jbarrow"),
                            &RunConfig::hfUsername));
    v.push_back(boolField(field("push_to_hub", "--push-to-hub", "PUSH_TO_HUB", gHub,
                                "Upload the best checkpoint and a model card when training ends.", "true"),
                          &RunConfig::pushToHub));
    v.push_back(adv(stringField(field("hub_repo", "--hub-repo", "", gHub,
                                      "Model repository (default <hf_username>/rfdetr-<size>-<dataset>).",
                                      "me/rfdetr-forms"),
                                &RunConfig::hubRepo)));
    {
        ConfigField f = field("log_level", "--log-level", "LOG_LEVEL", gRun,
                              "Logging detail: trace, debug, info, warn or error.", "info");
        f.type = FieldType::Choice;
        f.advanced = true;
        f.choices = {"trace", "debug", "info", "warn", "error"};
        f.get = [](const RunConfig& c) { return json(c.logLevel); };
        f.setText = [choices = f.choices](RunConfig& c, const std::string& t) -> std::optional<std::string> {
            if (std::find(choices.begin(), choices.end(), t) == choices.end())
                return "is not a log level (choose " + joinChoices(choices) + ")";
            c.logLevel = t;
            return std::nullopt;
        };
        v.push_back(f);
    }
    return v;
}

std::string stripDashes(const std::string& s) {
    size_t i = 0;
    while (i < s.size() && s[i] == '-') ++i;
    return s.substr(i);
}

size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

}  // namespace

const std::vector<ConfigField>& configFields() {
    static const std::vector<ConfigField> fields = buildFields();
    return fields;
}

const ConfigField* findFieldByKey(const std::string& key) {
    for (const auto& f : configFields()) {
        if (f.key == key) return &f;
    }
    return nullptr;
}

const ConfigField* findFieldByFlag(const std::string& flag) {
    const std::string bare = stripDashes(flag);
    for (const auto& f : configFields()) {
        if (stripDashes(f.flag) == bare) return &f;
        for (const auto& a : f.aliases) {
            if (stripDashes(a) == bare) return &f;
        }
    }
    return nullptr;
}

const ConfigField* findFieldByEnv(const std::string& envVar) {
    if (envVar.empty()) return nullptr;
    for (const auto& f : configFields()) {
        if (f.envVar == envVar) return &f;
    }
    return nullptr;
}

std::optional<std::string> setFieldFromJson(const ConfigField& f, RunConfig& cfg, const json& v) {
    switch (f.type) {
        case FieldType::Int:
            if (!v.is_number_integer()) return std::string("must be a whole number");
            return f.setText(cfg, std::to_string(v.get<long long>()));
        case FieldType::Double:
            if (!v.is_number()) return std::string("must be a number");
            {
                std::ostringstream os;
                os.precision(17);
                os << v.get<double>();
                return f.setText(cfg, os.str());
            }
        case FieldType::Bool:
            if (!v.is_boolean()) return std::string("must be true or false");
            return f.setText(cfg, v.get<bool>() ? "true" : "false");
        case FieldType::IntList: {
            if (!v.is_array()) return std::string("must be a list of GPU indices");
            std::string joined;
            for (const auto& e : v) {
                if (!e.is_number_integer()) return std::string("must be a list of GPU indices");
                joined += (joined.empty() ? "" : ",") + std::to_string(e.get<long long>());
            }
            return f.setText(cfg, joined);
        }
        case FieldType::String:
        case FieldType::Path:
        case FieldType::Choice:
            if (!v.is_string()) return std::string("must be a string");
            return f.setText(cfg, v.get<std::string>());
    }
    return std::string("has an unsupported type");
}

std::string closestKey(const std::string& unknown) {
    std::string best;
    size_t bestD = 4;
    for (const auto& f : configFields()) {
        const size_t d = editDistance(unknown, f.key);
        if (d < bestD) {
            bestD = d;
            best = f.key;
        }
    }
    return best;
}

}  // namespace studio
