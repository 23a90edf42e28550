#include "train/model/transformer.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include "train/model/position_encoding.h"

namespace studio::train {

std::pair<at::Tensor, at::Tensor> encoderProposals(const at::Tensor& memory, const at::Tensor& mask,
                                                   const SpatialShapes& shapes) {
    const int64_t b = memory.size(0);
    const auto fopts = memory.options().dtype(at::kFloat);
    std::vector<at::Tensor> proposals;
    int64_t start = 0;
    for (size_t lvl = 0; lvl < shapes.size(); ++lvl) {
        const auto [h, w] = shapes[lvl];
        at::Tensor validH, validW;
        if (mask.defined()) {
            at::Tensor m = mask.narrow(1, start, h * w).view({b, h, w});
            validH = m.select(2, 0).logical_not().sum(1);
            validW = m.select(1, 0).logical_not().sum(1);
        } else {
            validH = at::full({b}, h, fopts.dtype(at::kLong));
            validW = at::full({b}, w, fopts.dtype(at::kLong));
        }
        at::Tensor gy = at::linspace(0, static_cast<double>(h - 1), h, fopts);
        at::Tensor gx = at::linspace(0, static_cast<double>(w - 1), w, fopts);
        std::vector<at::Tensor> mesh = at::meshgrid({gy, gx}, "ij");
        at::Tensor grid = at::cat({mesh[1].unsqueeze(-1), mesh[0].unsqueeze(-1)}, -1);  // [H, W, 2] (x, y)
        at::Tensor scale = at::cat({validW.unsqueeze(-1), validH.unsqueeze(-1)}, 1).view({b, 1, 1, 2});
        grid = (grid.unsqueeze(0).expand({b, -1, -1, -1}) + 0.5) / scale;
        at::Tensor wh = at::ones_like(grid) * (0.05 * static_cast<double>(1 << lvl));
        proposals.push_back(at::cat({grid, wh}, -1).view({b, -1, 4}));
        start += h * w;
    }
    at::Tensor props = at::cat(proposals, 1);
    at::Tensor valid = ((props > 0.01) & (props < 0.99)).all(-1, true);
    if (mask.defined()) props = props.masked_fill(mask.unsqueeze(-1), 0.0);
    props = props.masked_fill(valid.logical_not(), 0.0);
    at::Tensor out = memory;
    if (mask.defined()) out = out.masked_fill(mask.unsqueeze(-1), 0.0);
    out = out.masked_fill(valid.logical_not(), 0.0);
    return {out.to(memory.scalar_type()), props.to(memory.scalar_type())};
}

TransformerImpl::TransformerImpl(const ModelConfig& c) : m_numQueries(c.numQueries) {
    const int64_t d = c.hiddenDim;
    decoder = register_module("decoder", Decoder(c));
    encOutput = register_module("enc_output", torch::nn::ModuleList());
    encOutputNorm = register_module("enc_output_norm", torch::nn::ModuleList());
    encOutBboxEmbed = register_module("enc_out_bbox_embed", torch::nn::ModuleList());
    encOutClassEmbed = register_module("enc_out_class_embed", torch::nn::ModuleList());
    for (int g = 0; g < c.groupDetr; ++g) {
        encOutput->push_back(torch::nn::Linear(d, d));
        encOutputNorm->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
        encOutBboxEmbed->push_back(Mlp(d, d, 4, 3));
        encOutClassEmbed->push_back(torch::nn::Linear(d, c.numClassLogits));
    }
}

TransformerOutput TransformerImpl::forward(const at::Tensor& src, const at::Tensor& mask,
                                           const at::Tensor& refpointEmbed, const at::Tensor& queryFeat,
                                           int64_t groups) {
    const int64_t b = src.size(0);
    const SpatialShapes shapes{{src.size(2), src.size(3)}};
    at::Tensor memory = src.flatten(2).transpose(1, 2);  // [B, N, d]
    at::Tensor maskFlat, validRatios;
    if (mask.defined()) {
        maskFlat = mask.flatten(1);
        at::Tensor vh = mask.select(2, 0).logical_not().sum(1).to(at::kFloat) / static_cast<double>(mask.size(1));
        at::Tensor vw = mask.select(1, 0).logical_not().sum(1).to(at::kFloat) / static_cast<double>(mask.size(2));
        validRatios = at::stack({vw, vh}, -1).unsqueeze(1).to(memory.scalar_type());  // [B, 1, 2]
    }
    auto [outputMemory, proposals] = encoderProposals(memory, maskFlat, shapes);

    std::vector<at::Tensor> refTs, memTs, boxTs;
    for (int64_t g = 0; g < groups; ++g) {
        auto norm = encOutputNorm->ptr<torch::nn::LayerNormImpl>(g);  // in float32 under autocast, as on CUDA
        at::Tensor m = norm->forward(
            encOutput->ptr<torch::nn::LinearImpl>(g)->forward(outputMemory).to(norm->weight.scalar_type()));
        at::Tensor logits = encOutClassEmbed->ptr<torch::nn::LinearImpl>(g)->forward(m);
        at::Tensor boxes = applyBoxDelta(encOutBboxEmbed->ptr<MlpImpl>(g)->forward(m), proposals);
        const int64_t k = std::min(m_numQueries, logits.size(1));
        at::Tensor idx = std::get<1>(at::topk(std::get<0>(logits.max(-1)), k, 1));  // [B, k]
        at::Tensor selected = at::gather(boxes, 1, idx.unsqueeze(-1).repeat({1, 1, 4}));
        refTs.push_back(selected.detach());
        boxTs.push_back(selected);
        memTs.push_back(at::gather(m, 1, idx.unsqueeze(-1).repeat({1, 1, m.size(-1)})));
    }
    TransformerOutput out;
    at::Tensor refSelected = at::cat(refTs, 1);
    out.memoryTs = at::cat(memTs, 1);
    out.boxesTs = at::cat(boxTs, 1);

    // Decoder queries: learned content, learned delta applied to the selected proposals.
    at::Tensor tgt = queryFeat.unsqueeze(0).repeat({b, 1, 1});
    at::Tensor ref = refpointEmbed.unsqueeze(0).repeat({b, 1, 1});
    const int64_t tsLen = refSelected.size(1);
    at::Tensor head = applyBoxDelta(ref.narrow(1, 0, tsLen), refSelected);
    out.references = tsLen < ref.size(1) ? at::cat({head, ref.narrow(1, tsLen, ref.size(1) - tsLen)}, 1) : head;
    out.hs = decoder->forward(tgt, memory, out.references, validRatios, shapes, maskFlat, groups);
    return out;
}

}  // namespace studio::train
