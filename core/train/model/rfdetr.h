#pragma once
// The RF-DETR detector (rfdetr's LWDETR with two-stage, bbox re-parameterisation, lite refine and
// group DETR): backbone -> transformer -> shared class / box heads on every decoder layer
// (rfdetr-spec.md §2.7). Parameter names equal rfdetr's state-dict keys, so .pth files load both ways.
//
// Training mode runs all `groupDetr` query groups (NQ = Q x G, group-wise self-attention, one two-stage
// head per group); eval mode runs group 0 only. Threading: one forward at a time per instance.
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "train/model/backbone.h"
#include "train/model/mlp.h"
#include "train/model/model_config.h"
#include "train/model/model_trace.h"
#include "train/model/outputs.h"
#include "train/model/transformer.h"

namespace studio::train {

class RFDetrImpl : public torch::nn::Module {
public:
    /// Builds the model with rfdetr's initialisation. Throws std::invalid_argument for an inconsistent config.
    explicit RFDetrImpl(const ModelConfig& config);

    /// images [B, 3, H, W], ImageNet-normalised, H and W multiples of 32 (any device; bf16 autocast works).
    /// `mask` [B, H, W] (true = padding) may be undefined (no padding, the normal case).
    /// Throws std::invalid_argument for a wrong shape. Fills `trace` when given (tests, debugging).
    ModelOutput forward(const at::Tensor& images, const at::Tensor& mask = {}, ModelTrace* trace = nullptr);

    /// Re-runs rfdetr's initialisation (§2.8) of every parameter.
    void resetParameters() { initialise(true); }
    /// Resizes the class heads (class_embed and every enc_out_class_embed) to `numClassLogits` rows the way
    /// rfdetr's reinitialize_detection_head does: rows tiled and truncated, box heads untouched.
    void resizeClassHead(int numClassLogits);

    const ModelConfig& config() const { return m_config; }
    /// Trainable parameters (all groups), as rfdetr's log.txt n_parameters.
    int64_t parameterCount() const;
    /// Parameters an inference model needs: group 0 of the two-stage heads and of the query tables.
    int64_t inferenceParameterCount() const;

    Transformer transformer{nullptr};
    torch::nn::Linear classEmbed{nullptr};
    Mlp bboxEmbed{nullptr};
    torch::nn::Embedding refpointEmbed{nullptr}, queryFeat{nullptr};
    torch::nn::ModuleList backboneList{nullptr};  // "backbone": [Backbone] (rfdetr's Joiner, position encoding has no parameters)
    Backbone backbone{nullptr};

private:
    // rfdetr's init; `submodules` = false skips the parts that initialised themselves when constructed.
    void initialise(bool submodules);

    ModelConfig m_config;
};
TORCH_MODULE(RFDetr);

}  // namespace studio::train
