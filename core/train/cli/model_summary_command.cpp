// rfdetr-train model-summary: what a model size is (parameters, resolution, layout) and, with --weights,
// what a checkpoint holds and how it would load (missing / unexpected keys, class count, EMA, epoch).
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/cli/options.h"
#include "train/cli/commands.h"
#include "train/io/pth_file.h"
#include "train/model/model_weights.h"

namespace studio::train {

namespace {

const std::vector<OptionSpec>& summaryOptions() {
    static const std::vector<OptionSpec> specs = {
        {"--model-size", true, "SIZE", "nano, small, medium or large (default with --weights: from the checkpoint)"},
        {"--num-classes", true, "N", "rfdetr's num_classes: the class head has N+1 logits"},
        {"--weights", true, "FILE", "a .pth checkpoint (rfdetr's or the Studio's) to inspect and load"},
        {"--ema", false, "", "inspect the checkpoint's EMA weights (ema_model) instead of model"},
        {"--json", false, "", "print one JSON object instead of text"},
        {"--help", false, "", "show this help"},
    };
    return specs;
}

std::string withThousands(int64_t n) {
    std::string s = std::to_string(n);
    for (int i = static_cast<int>(s.size()) - 3; i > (n < 0 ? 1 : 0); i -= 3) s.insert(static_cast<size_t>(i), ",");
    return s;
}

int positiveInt(const ParsedOptions& o, const std::string& name) {
    const auto v = o.get(name);
    try {
        size_t used = 0;
        const int n = std::stoi(*v, &used);
        if (used == v->size() && n >= 1) return n;
    } catch (const std::exception&) {
    }
    throw UsageError("rfdetr-train model-summary: " + name + " " + *v + ": expected a positive integer");
}

}  // namespace

int runModelSummaryCommand(const Args& args) {
    const ParsedOptions o = parseOptions(args, summaryOptions());
    if (o.flag("--help")) {
        std::cout << "Usage: rfdetr-train model-summary --model-size SIZE --num-classes N [--weights FILE] [--json]\n\n"
                  << "Prints the parameter count and resolution of an RF-DETR model and, with --weights, what the\n"
                  << "checkpoint holds and how it loads into the model.\n\nOptions:\n"
                  << formatOptionHelp(summaryOptions());
        return kExitOk;
    }
    if (hasErrors(o.problems)) throw UsageError("rfdetr-train model-summary: " + formatProblems(o.problems));
    if (!o.positionals.empty()) throw UsageError("rfdetr-train model-summary: unexpected argument '" + o.positionals[0] + "'");
    std::optional<ModelSize> size;
    if (auto s = o.get("--model-size")) {
        size = parseModelSize(*s);
        if (!size) throw UsageError("rfdetr-train model-summary: --model-size " + *s + ": expected one of " + modelSizeChoices());
    }
    const std::optional<std::string> weightsPath = o.get("--weights");
    if (!size && !weightsPath) throw UsageError("rfdetr-train model-summary: --model-size is required (or give --weights)");
    if (!o.get("--num-classes") && !weightsPath)
        throw UsageError("rfdetr-train model-summary: --num-classes is required (or give --weights)");
    const int numClasses = o.get("--num-classes") ? positiveInt(o, "--num-classes") : 0;  // 0: not given
    const bool useEma = o.flag("--ema");

    nlohmann::json j;
    RFDetr model{nullptr};
    std::optional<CheckpointWeights> weights;
    std::optional<LoadedModel> loaded;
    try {
        if (weightsPath) {
            weights = readCheckpointWeights(*weightsPath);
            if (useEma && !weights->ema) throw UsageError(*weightsPath + ": --ema given but the checkpoint has no ema_model");
            const StateDictArchitecture arch = inspectStateDict(useEma ? *weights->ema : weights->model);
            if (!size) size = arch.size;
            if (!size)
                throw WeightsError(*weightsPath + " holds " + arch.describe() + ", which is not one of " +
                                   modelSizeChoices());
            loaded = buildModelFromCheckpoint(ModelConfig::forSize(*size, numClasses ? numClasses + 1 : 91), *weights,
                                              useEma);
            model = loaded->model;
        } else {
            model = RFDetr(ModelConfig::forSize(*size, numClasses + 1));
        }
    } catch (const PthError& e) {
        throw UsageError(std::string("rfdetr-train model-summary: ") + e.what());
    } catch (const WeightsError& e) {
        throw UsageError(std::string("rfdetr-train model-summary: ") + e.what());
    }

    const ModelConfig& c = model->config();
    j["model_size"] = nameOf(*size);
    j["resolution"] = c.resolution;
    j["patch_grid"] = c.resolution / c.patchSize;
    j["decoder_layers"] = c.decoderLayers;
    j["num_queries"] = c.numQueries;
    j["group_detr"] = c.groupDetr;
    j["num_select"] = c.numSelect;
    j["class_logits"] = c.numClassLogits;
    j["num_classes"] = c.numClassLogits - 1;
    j["parameters"] = model->parameterCount();
    j["parameters_inference"] = model->inferenceParameterCount();
    if (weights) {
        nlohmann::json w;
        w["path"] = *weightsPath;
        w["keys"] = weights->topLevelKeys;
        w["epoch"] = weights->epoch ? nlohmann::json(*weights->epoch) : nlohmann::json();
        w["has_ema"] = weights->ema.has_value();
        w["has_optimizer"] = weights->hasOptimizer;
        w["used"] = useEma ? "ema_model" : "model";
        w["class_logits"] = loaded->architecture.numClassLogits;
        w["class_names"] = weights->classNames;
        w["query_rows"] = loaded->architecture.queryRows;
        w["loaded"] = loaded->report.loaded;
        w["missing"] = loaded->report.missing;
        w["unexpected"] = loaded->report.unexpected;
        w["truncated"] = loaded->report.truncated;
        w["unknown_classes"] = weights->unknownClasses;
        if (numClasses && numClasses + 1 != loaded->architecture.numClassLogits)
            w["note"] = "the checkpoint has " + std::to_string(loaded->architecture.numClassLogits) +
                        " class logits; fine-tuning with --num-classes " + std::to_string(numClasses) +
                        " resizes the head to " + std::to_string(numClasses + 1) + " rows (rfdetr's behaviour)";
        j["weights"] = w;
    }
    if (o.flag("--json")) {
        std::cout << j.dump(2) << "\n";
        return kExitOk;
    }
    std::cout << "model:       " << c.describe() << "\n"
              << "parameters:  " << withThousands(j["parameters"].get<int64_t>()) << " in training ("
              << c.groupDetr << " query groups), " << withThousands(j["parameters_inference"].get<int64_t>())
              << " at inference\n"
              << "resolution:  " << c.resolution << " px (" << c.resolution / c.patchSize << "x"
              << c.resolution / c.patchSize << " patches; inputs must be multiples of " << c.blockSize() << ")\n"
              << "classes:     " << c.numClassLogits << " logits (num_classes " << c.numClassLogits - 1 << ")\n";
    if (weights) {
        const auto& w = j["weights"];
        std::cout << "weights:     " << *weightsPath << " (" << w["used"].get<std::string>() << ")\n"
                  << "  contents:  ";
        for (size_t i = 0; i < weights->topLevelKeys.size(); ++i) std::cout << (i ? ", " : "") << weights->topLevelKeys[i];
        std::cout << "\n  epoch:     " << (weights->epoch ? std::to_string(*weights->epoch) : "-")
                  << "\n  EMA:       " << (weights->ema ? "yes" : "no")
                  << "\n  optimizer: " << (weights->hasOptimizer ? "yes (resumable)" : "no") << "\n";
        if (!weights->classNames.empty()) {
            std::cout << "  names:     ";
            for (size_t i = 0; i < weights->classNames.size(); ++i) std::cout << (i ? ", " : "") << weights->classNames[i];
            std::cout << "\n";
        }
        if (w.contains("note")) std::cout << "  note:      " << w["note"].get<std::string>() << "\n";
        std::cout << "  load:      " << loaded->report.describe() << "\n";
        if (!weights->unknownClasses.empty()) {
            std::cout << "  opaque Python classes kept as attribute bags:";
            for (const auto& u : weights->unknownClasses) std::cout << " " << u;
            std::cout << "\n";
        }
    }
    return kExitOk;
}

}  // namespace studio::train
