#pragma once
// Helpers shared by the trainer tests: a tiny configuration, a Trainer on the tiny RF-DETR with synthetic
// data and scripted validation, and readers for the run folder's events.
#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "base/events/event_writer.h"
#include "base/run/run_folder.h"
#include "engine_test_support.h"
#include "train/dist/dist_context.h"
#include "train/engine/run_control.h"
#include "train/engine/trainer.h"

namespace studio::train::testing {

namespace fs = std::filesystem;

inline constexpr int kRes = 96;  // 6 x 6 patches: the two-stage head selects 30 queries from 36 tokens

inline RunConfig tinyConfig() {
    RunConfig cfg = defaultRunConfig(ModelSize::Small);
    cfg.batchSize = 2;
    cfg.gradAccumSteps = 2;
    cfg.epochs = 2;
    cfg.resolution = kRes;
    cfg.multiScale = false;
    cfg.checkpointInterval = 1;
    cfg.tensorboard = false;
    cfg.lr = 1e-3;
    cfg.lrEncoder = 1e-3;
    return cfg;
}

struct Run {
    std::unique_ptr<Trainer> trainer;
    SyntheticTrainSource* source = nullptr;
    ScriptedValidator* validator = nullptr;
};

inline Run makeRun(const RunConfig& cfg, const std::string& dir, std::optional<LoadedCheckpoint> resume = {},
            RunControl* control = nullptr, std::vector<double> maps = {0.1, 0.2, 0.3, 0.4}, int numClassLogits = 4,
            std::function<void(long long, int)> beforeMicroBatch = {}) {
    auto writer = std::make_shared<EventWriter>(nullptr);
    fs::create_directories(dir);
    writer->mirrorTo(RunFolder{dir}.eventsJsonl());
    setEventWriter(writer);
    at::manual_seed(0);
    ModelConfig mc = ModelConfig::tinyFixture();
    mc.numClassLogits = numClassLogits;
    TrainerParts p;
    p.cfg = cfg;
    p.model = RFDetr(mc);
    p.emaModel = RFDetr(mc);
    MatcherOptions mo;
    mo.threads = 1;
    CriterionOptions co;
    co.matcher = mo;
    p.criterion = std::make_unique<SetCriterion>(co);
    auto source = std::make_unique<SyntheticTrainSource>(12, cfg.batchSize * cfg.gradAccumSteps, kRes, numClassLogits);
    auto validator = std::make_unique<ScriptedValidator>(std::move(maps));
    Run r;
    r.source = source.get();
    r.validator = validator.get();
    p.train = std::move(source);
    p.validator = std::move(validator);
    p.dist = std::make_shared<SingleProcessDist>();
    p.control = control;
    p.classes = classListFromCategories(
        {{0, "forms", "none"}, {1, "text", "forms"}, {2, "checkbox", "forms"}, {3, "signature", "forms"}});
    p.folder = RunFolder{dir};
    p.resume = std::move(resume);
    p.configJson = {{"model_size", "small"}};
    p.options.logEverySteps = 1;
    p.options.studioVersion = "test";
    p.options.beforeMicroBatch = std::move(beforeMicroBatch);
    r.trainer = std::make_unique<Trainer>(std::move(p));
    return r;
}

inline std::vector<nlohmann::json> readEvents(const std::string& dir, const std::string& type) {
    std::vector<nlohmann::json> out;
    std::ifstream in(RunFolder{dir}.eventsJsonl());
    std::string line;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.value("type", "") == type) out.push_back(j);
    }
    return out;
}

/// step -> loss map, from the step events (one per step with logEverySteps = 1).
inline std::map<long long, nlohmann::json> stepLosses(const std::string& dir) {
    std::map<long long, nlohmann::json> out;
    for (const auto& e : readEvents(dir, "step")) out[e["step"].get<long long>()] = e["loss"];
    return out;
}


}  // namespace studio::train::testing
