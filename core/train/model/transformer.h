#pragma once
// rfdetr's Transformer: two-stage proposal selection with one head set per query group, then the decoder
// (rfdetr-spec.md §2.3-§2.6). Names: decoder.*, enc_output.{g}, enc_output_norm.{g},
// enc_out_bbox_embed.{g}.layers.*, enc_out_class_embed.{g} (the last two are created here; rfdetr's LWDETR
// attaches them after construction, which gives the same state-dict order).
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include "train/model/decoder.h"
#include "train/model/mlp.h"
#include "train/model/model_config.h"

namespace studio::train {

struct TransformerOutput {
    at::Tensor hs;          // [L, B, NQ, d]
    at::Tensor references;  // [B, NQ, 4] reference boxes shared by all layers (cxcywh)
    at::Tensor memoryTs;    // [B, G*k, d] selected encoder features (k = min(Q, N))
    at::Tensor boxesTs;     // [B, G*k, 4] selected proposal boxes, with gradient
};

class TransformerImpl : public torch::nn::Module {
public:
    explicit TransformerImpl(const ModelConfig& config);

    /// src [B, d, H, W]; mask [B, H, W] (true = padding) or undefined; refpointEmbed [NQ, 4] and
    /// queryFeat [NQ, d] are the rows of the groups in use; `groups` = 13 in training, 1 in eval.
    TransformerOutput forward(const at::Tensor& src, const at::Tensor& mask, const at::Tensor& refpointEmbed,
                              const at::Tensor& queryFeat, int64_t groups);

    Decoder decoder{nullptr};
    torch::nn::ModuleList encOutput{nullptr}, encOutputNorm{nullptr}, encOutBboxEmbed{nullptr},
        encOutClassEmbed{nullptr};

private:
    int64_t m_numQueries;
};
TORCH_MODULE(Transformer);

/// gen_encoder_output_proposals (bbox_reparam): a 0.05-wide box centred on every memory cell; cells whose
/// box is not inside (0.01, 0.99) or that are padding get a zero box and zeroed memory.
/// memory [B, N, d], mask [B, N] or undefined -> {outputMemory [B, N, d], proposals [B, N, 4]}.
std::pair<at::Tensor, at::Tensor> encoderProposals(const at::Tensor& memory, const at::Tensor& mask,
                                                   const SpatialShapes& shapes);

}  // namespace studio::train
