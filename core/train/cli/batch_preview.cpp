#include "train/cli/batch_preview.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <ATen/ATen.h>

#include "train/cli/detection_overlay.h"
#include "train/data/normalize.h"

namespace studio::train {

namespace {

constexpr int kGap = 4;

// One image of the batch as 8-bit RGB with its targets drawn.
RgbImage sampleImage(const Batch& batch, int index, const std::map<std::int64_t, std::string>& labelNames) {
    const at::Tensor mean = at::tensor(std::vector<float>(kImageNetMean, kImageNetMean + 3)).view({3, 1, 1});
    const at::Tensor stdev = at::tensor(std::vector<float>(kImageNetStd, kImageNetStd + 3)).view({3, 1, 1});
    const at::Tensor pixels = ((batch.images[index].detach().to(at::kCPU, at::kFloat) * stdev + mean) * 255.0)
                                  .round()
                                  .clamp(0, 255)
                                  .to(at::kByte)
                                  .permute({1, 2, 0})
                                  .contiguous();
    RgbImage out;
    out.height = static_cast<int>(pixels.size(0));
    out.width = static_cast<int>(pixels.size(1));
    out.pixels.resize(static_cast<std::size_t>(pixels.numel()));
    std::memcpy(out.pixels.data(), pixels.data_ptr<std::uint8_t>(), out.pixels.size());
    if (static_cast<std::size_t>(index) >= batch.targets.size()) return out;
    const ImageTargets& t = batch.targets[static_cast<std::size_t>(index)];
    const at::Tensor boxes = t.boxes.detach().to(at::kCPU, at::kFloat).contiguous();
    const at::Tensor labels = t.labels.detach().to(at::kCPU, at::kLong).contiguous();
    std::vector<OverlayBox> overlay;
    for (int64_t i = 0; i < boxes.size(0); ++i) {
        const float* b = boxes.data_ptr<float>() + 4 * i;  // normalised cx, cy, w, h
        const int64_t label = labels.data_ptr<int64_t>()[i];
        const auto name = labelNames.find(label);
        std::string caption = name != labelNames.end() ? name->second : std::to_string(label);
        // A caption wider than its box (checkboxes at a CPU resolution) would hide its neighbours: the outline's
        // colour still tells the class.
        if (static_cast<float>(overlayCaptionWidth(out, caption)) > b[2] * static_cast<float>(out.width) ||
            out.width < 128)
            caption.clear();
        overlay.push_back({(b[0] - b[2] / 2) * static_cast<float>(out.width),
                           (b[1] - b[3] / 2) * static_cast<float>(out.height),
                           (b[0] + b[2] / 2) * static_cast<float>(out.width),
                           (b[1] + b[3] / 2) * static_cast<float>(out.height), static_cast<int>(label), caption});
    }
    drawOverlay(out, overlay);
    return out;
}

}  // namespace

RgbImage batchPreview(const Batch& batch, const std::map<std::int64_t, std::string>& labelNames, int maxImages) {
    const int count = std::min<int>(static_cast<int>(batch.images.size(0)), std::max(1, maxImages));
    if (count < 1 || batch.images.dim() != 4) return {};
    const int columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
    const int rows = (count + columns - 1) / columns;
    const int side = static_cast<int>(batch.images.size(3)), height = static_cast<int>(batch.images.size(2));
    RgbImage grid;
    grid.width = columns * side + (columns - 1) * kGap;
    grid.height = rows * height + (rows - 1) * kGap;
    grid.pixels.assign(static_cast<std::size_t>(grid.width) * grid.height * 3, 64);  // dark grey gaps
    for (int i = 0; i < count; ++i) {
        const RgbImage one = sampleImage(batch, i, labelNames);
        const int x0 = (i % columns) * (side + kGap), y0 = (i / columns) * (height + kGap);
        for (int y = 0; y < one.height; ++y)
            std::memcpy(&grid.pixels[(static_cast<std::size_t>(y0 + y) * grid.width + x0) * 3],
                        &one.pixels[static_cast<std::size_t>(y) * one.width * 3], static_cast<std::size_t>(one.width) * 3);
    }
    return grid;
}

}  // namespace studio::train
