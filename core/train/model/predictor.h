#pragma once
// Inference with a checkpoint, as rfdetr's RFDETR.predict(): RGB -> [0,1] -> ImageNet normalisation ->
// square resize to the model resolution (bilinear, antialiased) -> eval forward (1 group) -> PostProcess
// -> detections above a threshold, in pixels of the original image.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "train/model/model_weights.h"
#include "train/model/postprocess.h"

namespace studio::train {

struct PredictorOptions {
    std::string weightsPath;
    std::optional<ModelSize> size;  // nullopt: recognised from the checkpoint
    int resolution = 0;             // 0: the size's native resolution; else a multiple of 32
    bool useEma = false;            // take 'ema_model' when the checkpoint has it
    std::string device = "auto";    // auto | cpu | cuda | cuda:N
    int numSelect = 0;              // 0: the size's num_select (300; 100 for large)
};

/// [1, 3, R, R] float32 model input from 8-bit RGB rows (normalise, then resize), on `device`.
at::Tensor preprocessImage(const std::uint8_t* rgb, int width, int height, int resolution, const c10::Device& device);

class Predictor {
public:
    /// Loads the checkpoint and builds the model. Throws PthError / WeightsError / std::invalid_argument
    /// (unknown size, bad resolution, unavailable device) with messages meant for the user.
    explicit Predictor(const PredictorOptions& options);

    /// Detections with score > threshold for one image (8-bit RGB rows, `width` x `height`). Not thread-safe.
    std::vector<Detection> predict(const std::uint8_t* rgb, int width, int height, double threshold);

    /// The checkpoint's class name of label `label`: the name whose args.class_ids entry is `label` (Studio
    /// checkpoints), else args.class_names[label - 1] (rfdetr's reading), or COCO's for 91-logit
    /// checkpoints without names); "" when unknown.
    std::string className(std::int64_t label) const;

    const ModelConfig& config() const { return m_model->config(); }
    int resolution() const { return m_resolution; }
    const c10::Device& device() const { return m_device; }
    const LoadReport& report() const { return m_report; }
    const CheckpointWeights& checkpoint() const { return m_weights; }
    const StateDictArchitecture& architecture() const { return m_architecture; }

private:
    CheckpointWeights m_weights;
    RFDetr m_model{nullptr};
    LoadReport m_report;
    StateDictArchitecture m_architecture;
    c10::Device m_device{c10::kCPU};
    int m_resolution = 0;
    int m_numSelect = 0;
};

/// "auto" -> CUDA when available, else CPU; throws std::invalid_argument for unknown or unavailable devices.
c10::Device resolveDevice(const std::string& name);

}  // namespace studio::train
