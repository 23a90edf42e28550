#include "train/model/predictor.h"

#include <algorithm>
#include <stdexcept>

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include "train/model/coco_classes.h"

namespace studio::train {

c10::Device resolveDevice(const std::string& name) {
    if (name == "auto" || name.empty()) return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
    if (name == "cpu") return c10::Device(c10::kCPU);
    if (name.rfind("cuda", 0) == 0) {
        if (!torch::cuda::is_available())
            throw std::invalid_argument("--device " + name + ": this build or machine has no CUDA GPU; use --device cpu");
        try {
            c10::Device d(name);
            if (d.has_index() && d.index() >= static_cast<int>(torch::cuda::device_count()))
                throw std::invalid_argument("--device " + name + ": only " + std::to_string(torch::cuda::device_count()) +
                                            " GPU(s) visible");
            return d;
        } catch (const c10::Error&) {
        }
    }
    throw std::invalid_argument("--device " + name + ": expected auto, cpu, cuda or cuda:N");
}

at::Tensor preprocessImage(const std::uint8_t* rgb, int width, int height, int resolution, const c10::Device& device) {
    at::Tensor img = at::from_blob(const_cast<std::uint8_t*>(rgb), {height, width, 3}, at::kByte)
                         .to(device)
                         .permute({2, 0, 1})
                         .to(at::kFloat)
                         .div(255.0);
    const at::Tensor mean = at::tensor({0.485f, 0.456f, 0.406f}, at::TensorOptions().device(device)).view({3, 1, 1});
    const at::Tensor std = at::tensor({0.229f, 0.224f, 0.225f}, at::TensorOptions().device(device)).view({3, 1, 1});
    img = ((img - mean) / std).unsqueeze(0);
    // torchvision F.resize(tensor, antialias=True): antialiased bilinear, align_corners=False.
    return at::_upsample_bilinear2d_aa(img, {resolution, resolution}, false);
}

Predictor::Predictor(const PredictorOptions& options) : m_weights(readCheckpointWeights(options.weightsPath)) {
    const NamedTensors& sd = options.useEma && m_weights.ema ? *m_weights.ema : m_weights.model;
    m_architecture = inspectStateDict(sd);
    std::optional<ModelSize> size = options.size ? options.size : m_architecture.size;
    if (!size)
        throw WeightsError(options.weightsPath + " holds " + m_architecture.describe() +
                           ", which is not one of nano/small/medium/large");
    ModelConfig config = ModelConfig::forSize(*size, m_architecture.numClassLogits);
    // A run trained with --num-queries (e.g. the CPU try-out preset) keeps queries x groups rows.
    if (m_architecture.groups > 0 && m_architecture.queryRows > 0 && m_architecture.queryRows % m_architecture.groups == 0) {
        config.groupDetr = m_architecture.groups;
        config.numQueries = m_architecture.queryRows / m_architecture.groups;
    }
    m_resolution = options.resolution > 0 ? options.resolution : config.resolution;
    if (m_resolution % config.blockSize())
        throw std::invalid_argument("--resolution " + std::to_string(m_resolution) + ": must be a multiple of " +
                                    std::to_string(config.blockSize()));
    m_numSelect = options.numSelect > 0 ? options.numSelect : config.numSelect;
    m_device = resolveDevice(options.device);
    LoadedModel loaded = buildModelFromCheckpoint(config, m_weights, options.useEma);
    m_model = loaded.model;
    m_report = loaded.report;
    m_model->eval();
    m_model->to(m_device);
}

std::vector<Detection> Predictor::predict(const std::uint8_t* rgb, int width, int height, double threshold) {
    torch::NoGradGuard noGrad;
    at::Tensor input = preprocessImage(rgb, width, height, m_resolution, m_device);
    ModelOutput out = m_model->forward(input);
    const at::Tensor sizes = at::tensor({int64_t(height), int64_t(width)}, at::kLong).view({1, 2});
    return detectionsAbove(postProcess(out.final, sizes, m_numSelect), 0, threshold);
}

std::string Predictor::className(std::int64_t label) const {
    const auto& names = m_weights.classNames;
    const auto& ids = m_weights.classIds;  // Studio checkpoints: exact for category ids with gaps
    if (!ids.empty()) {
        const auto it = std::find(ids.begin(), ids.end(), label);
        return it != ids.end() ? names[static_cast<std::size_t>(it - ids.begin())] : "";
    }
    // rfdetr's reading: labels are 1..N in class_names order.
    if (!names.empty()) return label >= 1 && label <= static_cast<std::int64_t>(names.size()) ? names[label - 1] : "";
    if (m_model->config().numClassLogits == 91) {
        const char* n = cocoClassName(label);
        return n ? n : "";
    }
    return "";
}

}  // namespace studio::train
