#include "train/model/decoder_layer.h"

#include <ATen/ATen.h>

namespace studio::train {

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& c) {
    const int64_t d = c.hiddenDim;
    selfAttn = register_module("self_attn", SelfAttention(d, c.selfAttnHeads));
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
    crossAttn = register_module("cross_attn", MsDeformAttn(d, 1, c.crossAttnHeads, c.decoderPoints));
    linear1 = register_module("linear1", torch::nn::Linear(d, c.dimFeedforward));
    linear2 = register_module("linear2", torch::nn::Linear(c.dimFeedforward, d));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
    norm3 = register_module("norm3", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
}

at::Tensor DecoderLayerImpl::forward(const at::Tensor& tgtIn, const at::Tensor& queryPos, const at::Tensor& reference,
                                     const at::Tensor& memory, const SpatialShapes& shapes,
                                     const at::Tensor& paddingMask, int64_t groups) {
    const int64_t b = tgtIn.size(0), nq = tgtIn.size(1);
    at::Tensor q = tgtIn + queryPos;
    at::Tensor k = q;
    at::Tensor v = tgtIn;
    if (groups > 1) {  // [B, G*Q, d] -> [G*B, Q, d], group-major
        q = at::cat(q.split(nq / groups, 1), 0);
        k = q;
        v = at::cat(v.split(nq / groups, 1), 0);
    }
    at::Tensor sa = selfAttn->forward(q, k, v);
    if (groups > 1) sa = at::cat(sa.split(b, 0), 1);
    at::Tensor tgt = norm1->forward(tgtIn + sa);
    at::Tensor ca = crossAttn->forward(tgt + queryPos, reference, memory, shapes, paddingMask);
    tgt = norm2->forward(tgt + ca);
    at::Tensor ffn = linear2->forward(at::relu(linear1->forward(tgt)));
    return norm3->forward(tgt + ffn);
}

}  // namespace studio::train
