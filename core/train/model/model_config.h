#pragma once
// Every dimension of an RF-DETR detector (rfdetr-spec.md §0-§3). The published sizes come from
// base/config/model_sizes.h; the tiny parity-fixture model (tests/data/rfdetr) is built by the same code
// from tinyFixture(). No Torch here, so the CLI and tools can reason about models without building one.
#include <optional>
#include <string>
#include <vector>

#include "base/config/model_sizes.h"

namespace studio::train {

struct ModelConfig {
    std::optional<ModelSize> size;  // nullopt for custom configurations (the tiny fixture)

    // Windowed DINOv2 encoder (ViT-S/16 for nano..large).
    int vitWidth = 384;
    int vitHeads = 6;
    int vitLayers = 12;
    int vitMlpRatio = 4;
    std::vector<int> outFeatureIndexes{3, 6, 9, 12};  // hidden_states taps: outputs of layers i-1
    int patchSize = 16;
    int numWindows = 2;               // windows per side
    int positionalEncodingSize = 32;  // learned position grid side (resolution / patch at native size)
    double vitLayerNormEps = 1e-6;

    // Projector (P4 only), transformer, heads.
    int hiddenDim = 256;
    int projectorBlocks = 3;
    int decoderLayers = 3;
    int selfAttnHeads = 8;
    int crossAttnHeads = 16;
    int decoderPoints = 2;
    int dimFeedforward = 2048;
    int numQueries = 300;
    int groupDetr = 13;        // query groups in training (1 at inference)
    int numClassLogits = 91;   // K = rfdetr's num_classes + 1
    int resolution = 512;      // native eval / inference resolution (pixels)
    int numSelect = 300;       // detections kept by post-processing

    /// The published configuration of `size` with K = `numClassLogits`.
    static ModelConfig forSize(ModelSize size, int numClassLogits = 91);
    /// The tiny model of tests/data/rfdetr (192-wide ViT, 4 layers, hidden 64, 30 queries x 3 groups, 160 px).
    static ModelConfig tinyFixture();

    /// Input sides must be multiples of this (patch x windows = 32).
    int blockSize() const { return patchSize * numWindows; }
    /// Layers that run full (global) attention: every layer not in window_block_indexes.
    bool fullAttention(int layer) const;
    /// rfdetr's window_block_indexes: {0..out[-1]} minus out.
    std::vector<int> windowBlockIndexes() const;
    /// Layers that must run to produce every tap (trailing unused layers are skipped).
    int layersToRun() const;
    /// The encoder layers whose outputs are tapped (0-based), in tap order.
    std::vector<int> tapLayers() const;

    /// Every inconsistency (heads not dividing widths, taps out of range, ...); empty when usable.
    std::vector<std::string> problems() const;
    /// "medium (576 px, 4 decoder layers, 91 logits)" or "custom (...)".
    std::string describe() const;
};

}  // namespace studio::train
