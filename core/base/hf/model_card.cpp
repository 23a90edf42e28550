#include "base/hf/model_card.h"

#include <cstdio>
#include <sstream>

#include "base/config/config_loader.h"
#include "studio_version.h"

namespace studio::hf {

using nlohmann::json;

namespace {

std::string fmt(const json& v) {
    if (!v.is_number()) return "–";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", v.get<double>());
    return buf;
}

}  // namespace

json modelConfigJson(const ModelCardInput& in) {
    json trainingConfig = runConfigToJson(in.config, true, 1);
    trainingConfig.erase("hf_token");  // a secret: never published
    json classes = json::object();
    classes["0"] = "forms";
    for (std::size_t i = 0; i < in.classNames.size(); ++i) classes[std::to_string(i + 1)] = in.classNames[i];
    json out = {{"model_type", "rf-detr"},
                {"architecture", std::string("RF-DETR ") + nameOf(in.config.modelSize)},
                {"model_size", nameOf(in.config.modelSize)},
                {"resolution", resolvedResolution(in.config)},
                {"num_classes", in.classNames.size()},
                {"class_names", in.classNames},
                {"id2label", classes},
                {"checkpoint", in.checkpointName},
                {"training", trainingConfig},
                {"world_size", in.worldSize},
                {"effective_batch_size", effectiveBatchSize(in.config.batchSize, in.config.gradAccumSteps, in.worldSize)},
                {"trained_with", std::string("rfdetr-studio ") + STUDIO_VERSION}};
    if (!in.metrics.is_null()) out["metrics"] = in.metrics;
    if (!in.datasetRepo.empty()) out["dataset"] = in.datasetRepo;
    return out;
}

std::string modelCardMarkdown(const ModelCardInput& in) {
    const RunConfig& c = in.config;
    std::ostringstream md;
    md << "---\nlicense: apache-2.0\nlibrary_name: rfdetr\npipeline_tag: object-detection\ntags:\n"
          "- object-detection\n- rf-detr\n- rfdetr-studio\n";
    if (!in.datasetRepo.empty()) md << "datasets:\n- " << in.datasetRepo << "\n";
    if (in.metrics.is_object() && in.metrics.contains("map50_95")) {
        md << "model-index:\n- name: " << in.repoId << "\n  results:\n  - task:\n      type: object-detection\n"
           << "    metrics:\n    - type: mAP@50:95\n      value: " << fmt(in.metrics["map50_95"]) << "\n";
        if (in.metrics.contains("map50")) md << "    - type: mAP@50\n      value: " << fmt(in.metrics["map50"]) << "\n";
    }
    md << "---\n\n# " << in.repoId << "\n\n"
       << "RF-DETR " << nameOf(c.modelSize) << " object detector at " << resolvedResolution(c) << "×"
       << resolvedResolution(c) << " px, trained with RF-DETR Studio " << STUDIO_VERSION;
    if (!in.datasetRepo.empty()) md << " on [" << in.datasetRepo << "](https://huggingface.co/datasets/" << in.datasetRepo << ")";
    md << ".\n\n## Classes\n\n| id | name |\n|---|---|\n| 0 | forms (super-category, never predicted) |\n";
    for (std::size_t i = 0; i < in.classNames.size(); ++i) md << "| " << i + 1 << " | " << in.classNames[i] << " |\n";

    md << "\n## Metrics\n\n";
    if (in.metrics.is_object() && !in.metrics.empty()) {
        md << "Validation split (`valid`; the test split was not used for model selection).\n\n| metric | value |\n|---|---|\n";
        for (const char* k : {"map50_95", "map50", "ema_map50_95", "ema_map50"})
            if (in.metrics.contains(k)) md << "| " << k << " | " << fmt(in.metrics[k]) << " |\n";
        if (in.metrics.contains("epoch")) md << "| best epoch | " << in.metrics["epoch"].dump() << " |\n";
        if (in.metrics.contains("per_class") && in.metrics["per_class"].is_object()) {
            md << "\n| class | AP@50:95 |\n|---|---|\n";
            for (const auto& [name, ap] : in.metrics["per_class"].items()) md << "| " << name << " | " << fmt(ap) << " |\n";
        }
    } else {
        md << "No evaluation metrics were recorded for this run.\n";
    }
    if (in.resultsJson.is_object() && in.resultsJson.contains("class_map")) {
        for (const char* split : {"valid", "test"}) {
            const auto& rows = in.resultsJson["class_map"].value(split, json::array());
            if (!rows.is_array() || rows.empty()) continue;
            md << "\n### Per class (" << split << ", results.json)\n\n| class | mAP@50:95 | mAP@50 | precision | recall |\n"
               << "|---|---|---|---|---|\n";
            for (const auto& r : rows)
                md << "| " << r.value("class", "") << " | " << fmt(r.value("map@50:95", json())) << " | "
                   << fmt(r.value("map@50", json())) << " | " << fmt(r.value("precision", json())) << " | "
                   << fmt(r.value("recall", json())) << " |\n";
        }
    }

    md << "\n## Training configuration\n\n| setting | value |\n|---|---|\n"
       << "| model size | " << nameOf(c.modelSize) << " |\n| resolution | " << resolvedResolution(c) << " |\n"
       << "| epochs | " << c.epochs << " |\n"
       << "| batch | " << effectiveBatchFormula(c.batchSize, c.gradAccumSteps, in.worldSize) << " |\n"
       << "| lr / lr_encoder | " << c.lr << " / " << c.lrEncoder << " |\n"
       << "| weight decay | " << c.weightDecay << " |\n| EMA | " << (c.useEma ? "on" : "off") << " (decay "
       << c.emaDecay << ") |\n| multi-scale | " << (c.multiScale ? "on" : "off") << " |\n"
       << "| seed | " << c.seed << " |\n\nThe full configuration is in `config.json` (key `training`).\n\n"
       << "## Files\n\n- `" << in.checkpointName << "`: the best weights (regular or EMA, whichever scored higher), "
       << "readable by `torch.load` and rfdetr.\n- `config.json`: model and training settings, classes, metrics.\n\n"
       << "## Usage\n\n```python\nfrom rfdetr import RFDETR" << (c.modelSize == ModelSize::Small ? "Small" : c.modelSize == ModelSize::Large ? "Large" : "Medium")
       << "\nfrom huggingface_hub import hf_hub_download\n\nweights = hf_hub_download(\"" << in.repoId << "\", \""
       << in.checkpointName << "\")\nmodel = RFDETR"
       << (c.modelSize == ModelSize::Small ? "Small" : c.modelSize == ModelSize::Large ? "Large" : "Medium")
       << "(pretrain_weights=weights, resolution=" << resolvedResolution(c) << ")\ndetections = model.predict(\"page.png\", threshold=0.3)\n```\n\n"
       << "Or with RF-DETR Studio: `rfdetr-train predict --weights " << in.checkpointName << " --image page.png`.\n";
    return md.str();
}

}  // namespace studio::hf
