#pragma once
// Optional intermediates of one forward pass (rfdetr's forward hooks, fixture keys eval/inter/*), for
// parity tests and debugging. Filled only when a trace is passed to RFDetr::forward.
#include <vector>

#include <ATen/Tensor.h>

namespace studio::train {

struct ModelTrace {
    at::Tensor vitEmbeddings;                // [B*nw², T, C] windowed embeddings output
    std::vector<at::Tensor> vitLayerOutputs; // per ViT layer, windowed layout, before the final LayerNorm
    std::vector<at::Tensor> encoderTaps;     // [B, C, hp, wp] per tap (final LayerNorm, CLS dropped)
    at::Tensor projectorOut;                 // [B, d, hp, wp]
    at::Tensor hs;                           // [L, B, NQ, d] decoder outputs after the shared norm
    at::Tensor references;                   // [B, NQ, 4] reference boxes (cxcywh)
    at::Tensor hsEnc;                        // [B, G*Q, d] two-stage selected memory features
    at::Tensor refEnc;                       // [B, G*Q, 4] two-stage proposal boxes
};

}  // namespace studio::train
