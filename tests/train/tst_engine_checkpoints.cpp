// What the trainer leaves in the run folder and how it handles trouble: checkpoint contents in rfdetr's
// layout (optimizer groups, scheduler, args, EMA, studio state, sidecars, periodic and best files,
// best_total stripped), best-mAP and early-stopping state across a resume, non-finite losses, refused
// resumes (class count, model size) and a full disk that leaves the previous checkpoint intact.
#include <ATen/ATen.h>

#include <sys/resource.h>

#include <csignal>

#include "base/util/atomic_file.h"
#include "engine_run_helpers.h"
#include "train/engine/optimizer_state.h"
#include "train/engine/train_args.h"
#include "train/io/pth_file.h"
#include "train/model/model_weights.h"

#include <QTemporaryDir>
#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio;
using namespace studio::train;
using namespace studio::train::testing;

class TstEngineCheckpoints : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string dir(const char* name) { return m_dir.filePath(name).toStdString(); }

private slots:
    void initTestCase() { std::signal(SIGXFSZ, SIG_IGN); }

    void checkpointHoldsEverythingInRfdetrsLayout() {
        RunConfig cfg = tinyConfig();
        cfg.epochs = 2;
        cfg.checkpointInterval = 2;
        Run r = makeRun(cfg, dir("layout"), {}, nullptr, {0.1, 0.3, 0.35, 0.2});
        QCOMPARE(r.trainer->run().status, TrainStatus::Finished);
        const RunFolder rf{dir("layout")};
        const PthFile file = readPth(rf.checkpoint());
        const PyValue& root = file.root;
        for (const char* key : {"model", "optimizer", "lr_scheduler", "epoch", "args", "ema_model", "studio"})
            QVERIFY2(root.find(key), key);
        QCOMPARE(root.at("epoch").asInt(), std::int64_t(1));
        // One parameter per group, in rfdetr's order, with torch's group keys and the schedule's initial lr.
        const PyValue& groups = root.at("optimizer").at("param_groups");
        const PyValue& state = root.at("optimizer").at("state");
        QVERIFY(groups.size() > 200);
        for (std::size_t i = 0; i < groups.size(); ++i) {
            const PyValue& g = groups.items()[i];
            QCOMPARE(g.at("params").items()[0].asInt(), std::int64_t(i));
            for (const char* k : {"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "initial_lr"})
                QVERIFY2(g.find(k), k);
        }
        const PyValue* s0 = state.dictRef().find(PyValue(std::int64_t(0)));
        QVERIFY(s0);
        QCOMPARE(s0->at("step").asTensor().item<double>(), 6.0);
        QVERIFY(s0->at("exp_avg").isTensor() && s0->at("exp_avg_sq").isTensor());
        QCOMPARE(root.at("lr_scheduler").at("last_epoch").asInt(), std::int64_t(6));
        // The first group is an "other" parameter at the base lr; the ViT embeddings sit deep in the table.
        QCOMPARE(groups.items()[0].at("lr").asFloat(), cfg.lr);
        // args: an argparse.Namespace with rfdetr's keys.
        const PyValue& args = root.at("args");
        QCOMPARE(args.typeName(), std::string("argparse.Namespace"));
        QCOMPARE(args.at("num_classes").asInt(), std::int64_t(3));
        QCOMPARE(classNamesFromArgs(args), (std::vector<std::string>{"text", "checkbox", "signature"}));
        QCOMPARE(classIdsFromArgs(args), (std::vector<std::int64_t>{1, 2, 3}));
        QCOMPARE(args.at("grad_accum_steps").asInt(), std::int64_t(2));
        // Sidecars, periodic copy (epoch index 1 with interval 2), best files and best_total stripped.
        const auto info = inspectCheckpoint(rf.checkpoint());
        QVERIFY(info && info->fromSidecar && info->complete && info->resumable && info->hasEma);
        QCOMPARE(info->step, 6LL);
        QCOMPARE(info->numClasses, 3);
        QVERIFY(fs::exists(rf.periodic(1)));
        QVERIFY(!fs::exists(rf.periodic(0)));
        QCOMPARE(inspectCheckpoint(rf.periodic(1))->kind, std::string("periodic"));
        QVERIFY(fs::exists(rf.bestRegular()) && fs::exists(rf.bestEma()));
        const PthFile bestTotal = readPth(rf.bestTotal());
        QCOMPARE(bestTotal.root.size(), std::size_t(2));
        QVERIFY(bestTotal.root.find("model") && bestTotal.root.find("args"));
        // Scripted maps: regular 0.1 (epoch 0), EMA 0.3, regular 0.35 (epoch 1), EMA 0.2 -> the regular weights
        // of epoch 1 win; best_ema holds epoch 0's EMA weights.
        const PthFile bestRegular = readPth(rf.bestRegular());
        QCOMPARE(bestRegular.root.at("epoch").asInt(), std::int64_t(1));
        QCOMPARE(readPth(rf.bestEma()).root.at("epoch").asInt(), std::int64_t(0));
        QVERIFY(bestRegular.root.find("optimizer"));  // rfdetr keeps the optimizer in best files
        const auto a = stateDictFromValue(bestTotal.root.at("model"), "model");
        const auto b = stateDictFromValue(bestRegular.root.at("model"), "model");
        QVERIFY(at::equal(a.front().second, b.front().second));
        // log.txt: one line per epoch with rfdetr's keys; results.json in rfdetr's layout.
        std::ifstream log(rf.logTxt());
        std::string line;
        std::vector<nlohmann::json> lines;
        while (std::getline(log, line)) lines.push_back(nlohmann::json::parse(line));
        QCOMPARE(lines.size(), std::size_t(2));
        for (const char* k : {"train_loss", "train_loss_ce", "train_loss_bbox_unscaled", "train_class_error",
                              "train_loss_giou_enc", "train_lr", "test_coco_eval_bbox", "ema_test_coco_eval_bbox",
                              "epoch", "n_parameters", "all_best_res", "ema_best_ep", "epoch_time"})
            QVERIFY2(lines[1].contains(k), k);
        QCOMPARE(lines[1]["test_coco_eval_bbox"].size(), std::size_t(12));
        QCOMPARE(lines[1]["n_parameters"].get<long long>(), static_cast<long long>(2300584));
        const auto results = nlohmann::json::parse(readFile(rf.resultsJson()));
        QVERIFY(results["class_map"].contains("valid"));
        // Validation ran in eval mode and training went on in train mode.
        for (bool evalMode : r.validator->sawEvalMode()) QVERIFY(evalMode);
    }

    void bestAndEarlyStoppingSurviveAResume() {
        RunConfig cfg = tinyConfig();
        cfg.epochs = 6;
        cfg.earlyStopping = true;
        cfg.earlyStoppingPatience = 2;
        cfg.earlyStoppingUseEma = true;
        cfg.maxSteps = 6;  // two epochs, then "crash"
        // EMA maps: 0.2, 0.1 | 0.15, ... : epoch 1 does not improve (counter 1), epoch 2 neither -> stop.
        const std::vector<double> maps{0.5, 0.2, 0.6, 0.1, 0.7, 0.15, 0.8, 0.9};
        Run first = makeRun(cfg, dir("early"), {}, nullptr, maps);
        QCOMPARE(first.trainer->run().globalStep, std::int64_t(6));
        const LoadedCheckpoint c = readCheckpointFile(RunFolder{dir("early")}.checkpoint());
        QCOMPARE(c.state->earlyStopping["counter"].get<int>(), 1);
        QCOMPARE(c.state->bestMetrics["ema"]["value"].get<double>(), 0.2);
        cfg.maxSteps = 0;
        std::vector<double> rest(maps.begin() + 4, maps.end());
        Run second = makeRun(cfg, dir("early"), c, nullptr, rest);
        const TrainOutcome o = second.trainer->run();
        QCOMPARE(o.status, TrainStatus::EarlyStopped);
        QCOMPARE(o.exitCode, 0);
        QCOMPARE(o.globalStep, std::int64_t(9));  // stopped after epoch 2
        const LoadedCheckpoint end = readCheckpointFile(RunFolder{dir("early")}.checkpoint());
        QCOMPARE(end.state->bestMetrics["regular"]["value"].get<double>(), 0.7);
        QCOMPARE(end.state->bestMetrics["all"]["epoch"].get<int>(), 2);
    }

    void nonFiniteStepsAreSkippedThenStopTheRun() {
        RunConfig cfg = tinyConfig();
        cfg.epochs = 3;
        Run r = makeRun(cfg, dir("nan"));
        r.source->poisonStep(2);  // a single bad batch: skipped, training goes on
        for (long long s = 4; s <= 8; ++s) r.source->poisonStep(s);
        const TrainOutcome o = r.trainer->run();
        QCOMPARE(o.status, TrainStatus::Failed);
        QCOMPARE(o.exitCode, 1);
        QVERIFY2(o.message.find("5 optimiser steps in a row") != std::string::npos, o.message.c_str());
        const auto errors = readEvents(dir("nan"), "error");
        QCOMPARE(errors.size(), std::size_t(6));
        for (const auto& e : errors) {
            QCOMPARE(e["code"].get<std::string>(), std::string("nonfinite"));
            QVERIFY(e["details"].contains("losses") && e["details"]["losses"].contains("loss_giou"));
        }
        QCOMPARE(errors.front()["details"]["step"].get<int>(), 2);
        QCOMPARE(errors.back()["details"]["consecutive"].get<int>(), 5);
        // The checkpoint holds the weights after step 3, the last good one, all finite.
        const LoadedCheckpoint c = readCheckpointFile(RunFolder{dir("nan")}.checkpoint());
        QCOMPARE(c.state->globalStep, std::int64_t(8));
        for (const auto& [name, t] : c.model) QVERIFY2(at::isfinite(t).all().item<bool>(), name.c_str());
        const PthFile file = readPth(RunFolder{dir("nan")}.checkpoint());
        const PyValue* s0 = file.root.at("optimizer").at("state").dictRef().find(PyValue(std::int64_t(0)));
        QVERIFY(s0);
        QCOMPARE(s0->at("step").asTensor().item<double>(), 2.0);  // steps 1 and 3 updated the weights
    }

    void resumeRefusesAnotherClassCountOrModel() {
        RunConfig cfg = tinyConfig();
        cfg.maxSteps = 3;
        Run r = makeRun(cfg, dir("four"));
        r.trainer->run();
        const LoadedCheckpoint c = readCheckpointFile(RunFolder{dir("four")}.checkpoint());
        try {
            makeRun(tinyConfig(), dir("six"), c, nullptr, {}, 7);
            QFAIL("resume with another class count was accepted");
        } catch (const ResumeError& e) {
            QVERIFY2(QString(e.what()).contains("3 classes") && QString(e.what()).contains("6"), e.what());
        }
        LoadedCheckpoint other = c;
        for (auto& [name, t] : other.model)
            if (name == "backbone.0.encoder.encoder.embeddings.position_embeddings") t = at::zeros({1, 145, 192});
        try {
            makeRun(tinyConfig(), dir("other"), other);
            QFAIL("resume with another position grid was accepted");
        } catch (const ResumeError& e) {
            QVERIFY2(QString(e.what()).contains("12x12"), e.what());
        }
    }

    void fullDiskKeepsThePreviousCheckpoint() {
        RunConfig cfg = tinyConfig();
        cfg.maxSteps = 3;
        Run r = makeRun(cfg, dir("full"));
        r.trainer->run();
        const RunFolder rf{dir("full")};
        const std::string before = readFile(rf.checkpoint());
        const std::string sidecarBefore = readFile(RunFolder::sidecarOf(rf.checkpoint()));
        Run more = makeRun(tinyConfig(), dir("full"), readCheckpointFile(rf.checkpoint()));
        struct rlimit old {};
        getrlimit(RLIMIT_FSIZE, &old);
        struct rlimit small = old;
        small.rlim_cur = 1 << 20;  // checkpoints are ~30 MB: the next one cannot be written
        setrlimit(RLIMIT_FSIZE, &small);
        bool threw = false;
        try {
            more.trainer->run();
        } catch (const std::exception& e) {
            threw = QString(e.what()).contains("checkpoint") || QString(e.what()).contains(".pth");
            qInfo("%s", e.what());
        }
        setrlimit(RLIMIT_FSIZE, &old);
        QVERIFY(threw);
        QVERIFY(readFile(rf.checkpoint()) == before);
        QCOMPARE(readFile(RunFolder::sidecarOf(rf.checkpoint())), sidecarBefore);
        for (const auto& e : fs::directory_iterator(rf.root))
            QVERIFY2(e.path().string().find(".tmp.") == std::string::npos, e.path().c_str());
    }
};

QTEST_GUILESS_MAIN(TstEngineCheckpoints)
#include "tst_engine_checkpoints.moc"
