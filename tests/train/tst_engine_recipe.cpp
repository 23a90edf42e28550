// The optimiser recipe (rfdetr-spec.md §6.2-§6.5, §6.10, §13): parameter groups and their lrs on the real
// Small key list, the lr schedule, AdamW against LibTorch's own AdamW, gradient clipping, the EMA decay
// sequence and update, early stopping and the best-mAP bookkeeping.
#include <ATen/ATen.h>
#include <torch/optim/adamw.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "train/engine/adamw.h"
#include "train/engine/early_stopping.h"
#include "train/engine/grad_clip.h"
#include "train/engine/lr_schedule.h"
#include "train/engine/model_ema.h"
#include "train/engine/param_groups.h"

#include <QtTest>  // after Torch: Qt's `slots` macro breaks Torch headers

using namespace studio;
using namespace studio::train;

namespace {
std::vector<std::string> smallKeys() {
    std::ifstream in(std::string(STUDIO_TEST_DATA_DIR) + "/rfdetr/state_dict_shapes.json");
    const auto j = nlohmann::json::parse(in);
    std::vector<std::string> names;
    for (const auto& e : j["models"]["small_nc90"]["state_dict"]) names.push_back(e[0].get<std::string>());
    return names;
}
const ParamGroupSpec& groupOf(const std::vector<ParamGroupSpec>& groups, const std::string& name) {
    for (const auto& g : groups)
        if (g.name == name) return g;
    throw std::runtime_error("no group " + name);
}
bool near(double a, double b, double rel) { return std::abs(a - b) <= rel * std::abs(b); }
}  // namespace

class TstEngineRecipe : public QObject {
    Q_OBJECT
private slots:
    void lrTableMatchesTheSpec() {
        const auto names = smallKeys();
        QCOMPARE(names.size(), std::size_t(487));
        const auto groups = buildParamGroups(names, lrRecipeFrom(defaultRunConfig(ModelSize::Small)));
        QCOMPARE(groups.size(), names.size());
        const std::string vit = "backbone.0.encoder.encoder.";
        // §13: layer 11 weights 4.704e-5, embeddings 3.233e-6, final LayerNorm 7.35e-5, decoder 7e-5, rest 1e-4.
        QVERIFY(near(groupOf(groups, vit + "encoder.layer.11.mlp.fc1.weight").lr, 4.704e-5, 1e-3));
        QVERIFY(near(groupOf(groups, vit + "embeddings.position_embeddings").lr, 3.233e-6, 1e-3));
        QVERIFY(near(groupOf(groups, vit + "embeddings.patch_embeddings.projection.weight").lr, 3.233e-6, 1e-3));
        QVERIFY(near(groupOf(groups, vit + "layernorm.weight").lr, 7.35e-5, 1e-12));
        QVERIFY(near(groupOf(groups, vit + "encoder.layer.0.attention.attention.query.weight").lr, 4.041e-6, 1e-3));
        QVERIFY(near(groupOf(groups, vit + "encoder.layer.5.norm1.bias").lr, 1.233e-5, 1e-3));
        QVERIFY(near(groupOf(groups, "transformer.decoder.layers.2.linear1.weight").lr, 7e-5, 1e-12));
        QVERIFY(near(groupOf(groups, "transformer.decoder.ref_point_head.layers.0.bias").lr, 7e-5, 1e-12));
        for (const char* other : {"class_embed.weight", "refpoint_embed.weight", "transformer.enc_output.3.bias",
                                  "backbone.0.projector.stages.0.1.weight"})
            QCOMPARE(groupOf(groups, other).lr, 1e-4);
        // Weight decay: 0 only for ViT bias / norm / embeddings; layer scale and decoder norms keep it.
        QCOMPARE(groupOf(groups, vit + "encoder.layer.3.norm2.weight").weightDecay, 0.0);
        QCOMPARE(groupOf(groups, vit + "encoder.layer.3.mlp.fc2.bias").weightDecay, 0.0);
        QCOMPARE(groupOf(groups, vit + "embeddings.cls_token").weightDecay, 0.0);
        QCOMPARE(groupOf(groups, vit + "layernorm.bias").weightDecay, 0.0);
        QCOMPARE(groupOf(groups, vit + "encoder.layer.3.layer_scale1.lambda1").weightDecay, 1e-4);
        QCOMPARE(groupOf(groups, vit + "encoder.layer.3.attention.output.dense.weight").weightDecay, 1e-4);
        QCOMPARE(groupOf(groups, "transformer.decoder.layers.0.norm1.bias").weightDecay, 1e-4);
        QCOMPARE(groupOf(groups, "class_embed.bias").weightDecay, 1e-4);
        // Order: other, encoder, decoder, each in named_parameters() order.
        int phase = 0;
        std::size_t last = 0;
        for (const auto& g : groups) {
            const int p = g.component == ParamComponent::Other ? 0 : g.component == ParamComponent::Encoder ? 1 : 2;
            QVERIFY2(p >= phase, g.name.c_str());
            if (p == phase) QVERIFY(g.paramIndex >= last || g.paramIndex == groups.front().paramIndex);
            phase = p;
            last = g.paramIndex;
        }
        QCOMPARE(groups.front().name, std::string("transformer.enc_output.0.weight"));
        QCOMPARE(groups.back().name, std::string("transformer.decoder.ref_point_head.layers.1.bias"));
        int encoder = 0, decoder = 0;
        for (const auto& g : groups) {
            encoder += g.component == ParamComponent::Encoder;
            decoder += g.component == ParamComponent::Decoder;
        }
        QCOMPARE(encoder, 5 + 12 * 18 + 2);  // embeddings, 18 per layer, final LayerNorm
        QCOMPARE(decoder, 3 * 22 + 2 + 4);
    }
    void layerIdsAndCustomDecay() {
        QCOMPARE(vitLayerId("backbone.0.encoder.encoder.embeddings.cls_token", 13), 0);
        QCOMPARE(vitLayerId("backbone.0.encoder.encoder.encoder.layer.7.mlp.fc1.weight", 13), 8);
        QCOMPARE(vitLayerId("backbone.0.encoder.encoder.layernorm.weight", 13), 14);
        RunConfig cfg = defaultRunConfig(ModelSize::Small);
        cfg.lrEncoder = 2e-4;
        cfg.lrVitLayerDecay = 0.5;
        cfg.lrComponentDecay = 1.0;
        const auto g = buildParamGroups({"backbone.0.encoder.encoder.encoder.layer.11.mlp.fc1.weight"},
                                        lrRecipeFrom(cfg));
        QCOMPARE(g[0].lr, 2e-4 * 0.25);
    }
    void scheduleFollowsTheReference() {
        RunConfig cfg = defaultRunConfig();
        cfg.epochs = 10;
        LrScheduleSpec s = lrScheduleFrom(cfg, 7);
        for (long long step : {0LL, 1LL, 35LL, 69LL}) QCOMPARE(lrFactor(s, step), 1.0);  // scheduler-free
        cfg.lrDrop = 4;
        s = lrScheduleFrom(cfg, 7);
        QCOMPARE(lrFactor(s, 27), 1.0);
        QCOMPARE(lrFactor(s, 28), 0.1);
        cfg.warmupEpochs = 0.5;  // 3.5 steps: 0, 1/3.5, 2/3.5, 3/3.5, then 1
        s = lrScheduleFrom(cfg, 7);
        QCOMPARE(lrFactor(s, 0), 0.0);
        QCOMPARE(lrFactor(s, 2), 2.0 / 3.5);
        QCOMPARE(lrFactor(s, 3), 3.0 / 3.5);
        QCOMPARE(lrFactor(s, 4), 1.0);
        cfg.lrScheduler = LrSchedule::Cosine;
        cfg.warmupEpochs = 0;
        cfg.lrMinFactor = 0.1;
        s = lrScheduleFrom(cfg, 7);
        QCOMPARE(lrFactor(s, 0), 1.0);
        QVERIFY(near(lrFactor(s, 35), 0.1 + 0.9 * 0.5, 1e-12));
        QVERIFY(near(lrFactor(s, 70), 0.1, 1e-12));
        QVERIFY(lrFactor(s, 10) > lrFactor(s, 11));
    }
    void emaDecaySequence() {
        QVERIFY(near(ModelEma::decayFor(0.993, 100, 1), 0.009881, 1e-4));
        QVERIFY(near(ModelEma::decayFor(0.993, 100, 100), 0.62770, 1e-4));
        QVERIFY(near(ModelEma::decayFor(0.993, 100, 500), 0.98631, 1e-4));
        QCOMPARE(ModelEma::decayFor(0.9, 0, 5), 0.9);
    }
    void emaUpdatesTheWholeState() {
        at::Tensor ew = at::zeros({3}), mw = at::full({3}, 2.0);
        at::Tensor ec = at::zeros({2}, at::kLong), mc = at::full({2}, 7, at::kLong);
        ModelEma ema({{"w", ew}, {"count", ec}}, {{"w", mw}, {"count", mc}}, 0.993, 100);
        QCOMPARE(ema.updates(), std::int64_t(1));
        const double d1 = ema.nextDecay();
        ema.update();
        QCOMPARE(ema.updates(), std::int64_t(2));
        QVERIFY(at::allclose(ew, at::full({3}, 2.0 * (1 - d1))));
        QCOMPARE(ec[1].item<int64_t>(), int64_t(7));
        mw.fill_(-1.0);
        const double d2 = ema.nextDecay();
        const at::Tensor expect = d2 * ew.clone() + (1 - d2) * mw;
        ema.update();
        QVERIFY(at::allclose(ew, expect, 1e-6, 1e-7));
        ema.copyFromModel();
        QVERIFY(at::equal(ew, mw));
        bool threw = false;
        try {
            ModelEma bad({{"w", at::zeros({3})}}, {{"w", at::zeros({4})}});
        } catch (const std::invalid_argument& e) {
            threw = QString(e.what()).contains("w [3]");
        }
        QVERIFY(threw);
    }
    void adamwMatchesLibTorch() {
        at::manual_seed(7);
        const std::vector<double> lrs{1e-3, 3e-4, 5e-2}, wds{0.0, 1e-4, 0.05};
        std::vector<at::Tensor> mine, ref;
        std::vector<AdamWGroup> groups;
        std::vector<torch::optim::OptimizerParamGroup> refGroups;
        for (int i = 0; i < 3; ++i) {
            at::Tensor p = at::randn({4, 5}).requires_grad_(true);
            at::Tensor q = p.detach().clone().requires_grad_(true);
            mine.push_back(p);
            ref.push_back(q);
            groups.push_back({p, lrs[i], wds[i]});
            refGroups.emplace_back(std::vector<at::Tensor>{q},
                                   std::make_unique<torch::optim::AdamWOptions>(
                                       torch::optim::AdamWOptions(lrs[i]).weight_decay(wds[i])));
        }
        AdamW opt(groups);
        torch::optim::AdamW refOpt(refGroups, torch::optim::AdamWOptions(1e-3));
        for (int step = 0; step < 6; ++step) {
            for (int i = 0; i < 3; ++i) {
                if (step == 2 && i == 1) continue;  // a parameter without gradient is skipped by both
                const at::Tensor g = at::randn({4, 5});
                mine[i].mutable_grad() = g.clone();
                ref[i].mutable_grad() = g.clone();
            }
            opt.step();
            refOpt.step();
            opt.zeroGrad();
            for (auto& q : ref) q.mutable_grad() = at::Tensor();  // set_to_none, as torch 2.x
            QVERIFY(!mine[0].grad().defined());
        }
        for (int i = 0; i < 3; ++i) QVERIFY2(at::allclose(mine[i], ref[i], 1e-6, 1e-7), std::to_string(i).c_str());
        QCOMPARE(opt.states()[1].step, 5.0);
        QCOMPARE(opt.states()[0].step, 6.0);
        opt.setLrFactor(0.1);
        QCOMPARE(opt.lr(2), 5e-3);
    }
    void adamwRejectsForeignState() {
        at::Tensor p = at::zeros({2, 2}).requires_grad_(true);
        AdamW opt({{p, 1e-3, 0.0}});
        AdamWState s;
        s.step = 3;
        s.expAvg = at::zeros({3});
        s.expAvgSq = at::zeros({3});
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, opt.setStates({s}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, opt.setStates({}));
    }
    void clippingUsesTheGlobalNorm() {
        at::Tensor a = at::zeros({2}).requires_grad_(true), b = at::zeros({1}).requires_grad_(true);
        at::Tensor c = at::zeros({1}).requires_grad_(true);  // no gradient: ignored
        a.mutable_grad() = at::tensor({3.0f, 0.0f});
        b.mutable_grad() = at::tensor({4.0f});
        const at::Tensor norm = clipGradNorm({a, b, c}, 0.1);
        QCOMPARE(norm.item<float>(), 5.0f);
        QVERIFY(near(globalGradNorm({a, b}).item<float>(), 0.1, 1e-5));
        QVERIFY(near(a.grad()[0].item<float>(), 3.0 * 0.1 / (5.0 + 1e-6), 1e-6));
        a.mutable_grad() = at::tensor({0.03f, 0.0f});
        b.mutable_grad() = at::tensor({0.04f});
        clipGradNorm({a, b}, 0.1);  // below the limit: unchanged
        QCOMPARE(b.grad()[0].item<float>(), 0.04f);
    }
    void earlyStoppingCountsAndRestores() {
        EarlyStopping es(3, 0.001, false);
        QVERIFY(!es.update(0.10, 0.12));  // best 0.12 (max of both)
        QCOMPARE(es.best(), 0.12);
        QVERIFY(!es.update(0.1205, 0.1));  // not above best + min_delta
        QCOMPARE(es.counter(), 1);
        QVERIFY(!es.update(std::nullopt, std::nullopt));  // no evaluation: unchanged
        QCOMPARE(es.counter(), 1);
        QVERIFY(!es.update(0.2, std::nullopt));  // improvement resets
        QCOMPARE(es.counter(), 0);
        QVERIFY(!es.update(0.2, 0.2));
        QVERIFY(!es.update(0.2, 0.2));
        EarlyStopping resumed(3, 0.001, false);
        resumed.restore(es.toJson());
        QCOMPARE(resumed.counter(), 2);
        QVERIFY(resumed.update(0.2, 0.2));  // third epoch without improvement
        EarlyStopping emaOnly(2, 0.0, true);
        emaOnly.update(0.5, 0.1);
        QCOMPARE(emaOnly.best(), 0.1);
    }
    void bestMetricsKeepTheReferenceQuirk() {
        BestMetrics b(true);
        QVERIFY(b.offer(0.30, 0, false));  // regular best
        QVERIFY(b.offer(0.35, 0, true));   // EMA best over both
        QVERIFY(!b.offer(0.33, 1, false)); // regular improved its own best but not the overall one
        QCOMPARE(b.regular().value, 0.33);
        QCOMPARE(b.all().value, 0.35);
        QVERIFY(b.bestIsEma());
        const auto s = b.summary();
        QCOMPARE(s["all_best_ep"].get<int>(), 0);
        QCOMPARE(s["regular_best_res"].get<double>(), 0.33);
        BestMetrics r(true);
        r.restore(b.toJson());
        QCOMPARE(r.ema().value, 0.35);
        QVERIFY(!r.offer(0.34, 2, true));
        QVERIFY(!BestMetrics(true).offer(0.0, 0, false));  // 0 is not above the initial 0
    }
};

QTEST_GUILESS_MAIN(TstEngineRecipe)
#include "tst_engine_recipe.moc"
