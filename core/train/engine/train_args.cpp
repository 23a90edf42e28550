#include "train/engine/train_args.h"

#include "base/config/model_sizes.h"

namespace studio::train {

namespace {
PyValue intList(const std::vector<int>& v) {
    PyValue l = PyValue::list();
    for (int x : v) l.append(x);
    return l;
}
}  // namespace

PyValue trainArgsNamespace(const RunConfig& cfg, const ModelConfig& model, const ClassList& classes, int worldSize) {
    PyValue a = PyValue::namespaceObject();
    // Model (ModelConfig + populate_args defaults).
    a.set("encoder", "dinov2_windowed_small");
    a.set("out_feature_indexes", intList(model.outFeatureIndexes));
    a.set("dec_layers", model.decoderLayers);
    a.set("two_stage", true);
    a.set("projector_scale", PyValue::list({"P4"}));
    a.set("hidden_dim", model.hiddenDim);
    a.set("patch_size", model.patchSize);
    a.set("num_windows", model.numWindows);
    a.set("sa_nheads", model.selfAttnHeads);
    a.set("ca_nheads", model.crossAttnHeads);
    a.set("dec_n_points", model.decoderPoints);
    a.set("dim_feedforward", model.dimFeedforward);
    a.set("bbox_reparam", true);
    a.set("lite_refpoint_refine", true);
    a.set("layer_norm", true);
    a.set("amp", cfg.amp != AmpDtype::Off);
    a.set("num_classes", model.numClassLogits - 1);
    a.set("pretrain_weights", cfg.pretrainWeights.empty() ? PyValue::none() : PyValue(cfg.pretrainWeights));
    a.set("resolution", resolvedResolution(cfg));
    a.set("positional_encoding_size", model.positionalEncodingSize);
    a.set("group_detr", model.groupDetr);
    a.set("num_queries", model.numQueries);
    a.set("num_select", model.numSelect);
    a.set("ia_bce_loss", true);
    a.set("cls_loss_coef", 1.0);
    a.set("bbox_loss_coef", 5);
    a.set("giou_loss_coef", 2);
    a.set("set_cost_class", 2);
    a.set("set_cost_bbox", 5);
    a.set("set_cost_giou", 2);
    a.set("focal_alpha", 0.25);
    a.set("aux_loss", true);
    a.set("position_embedding", "sine");
    a.set("decoder_norm", "LN");
    a.set("dropout", 0);
    a.set("drop_path", 0.0);
    a.set("segmentation_head", false);
    // Training (TrainConfig).
    a.set("lr", cfg.lr);
    a.set("lr_encoder", cfg.lrEncoder);
    a.set("lr_vit_layer_decay", cfg.lrVitLayerDecay);
    a.set("lr_component_decay", cfg.lrComponentDecay);
    a.set("weight_decay", cfg.weightDecay);
    a.set("clip_max_norm", cfg.clipMaxNorm);
    a.set("batch_size", cfg.batchSize);
    a.set("grad_accum_steps", cfg.gradAccumSteps);
    a.set("epochs", cfg.epochs);
    a.set("lr_scheduler", nameOf(cfg.lrScheduler));
    a.set("lr_drop", cfg.lrDrop > 0 ? cfg.lrDrop : cfg.epochs);
    a.set("warmup_epochs", cfg.warmupEpochs);
    a.set("lr_min_factor", cfg.lrMinFactor);
    a.set("use_ema", cfg.useEma);
    a.set("ema_decay", cfg.emaDecay);
    a.set("ema_tau", cfg.emaTau);
    a.set("multi_scale", cfg.multiScale);
    a.set("expanded_scales", cfg.expandedScales);
    a.set("square_resize_div_64", true);
    a.set("do_random_resize_via_padding", false);
    a.set("early_stopping", cfg.earlyStopping);
    a.set("early_stopping_patience", cfg.earlyStoppingPatience);
    a.set("early_stopping_min_delta", cfg.earlyStoppingMinDelta);
    a.set("early_stopping_use_ema", cfg.earlyStoppingUseEma);
    a.set("checkpoint_interval", cfg.checkpointInterval);
    a.set("eval_max_dets", 500);
    a.set("seed", static_cast<std::int64_t>(cfg.seed));
    a.set("num_workers", cfg.numWorkers);
    a.set("output_dir", cfg.outputDir);
    a.set("dataset_dir", cfg.dataset);
    a.set("dataset_file", "roboflow");
    a.set("world_size", worldSize);
    a.set("tensorboard", cfg.tensorboard);
    PyValue names = PyValue::list(), ids = PyValue::list();
    for (const auto& c : classes.classes) {
        names.append(c.name);
        ids.append(c.id);
    }
    a.set("class_names", names);
    a.set("class_ids", ids);
    if (model.size) a.set("model_size", nameOf(*model.size));
    return a;
}

}  // namespace studio::train
