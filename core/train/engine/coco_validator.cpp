#include "train/engine/coco_validator.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <chrono>
#include <cstring>
#include <map>

#include "base/eval/coco_evaluator.h"
#include "base/eval/extended_metrics.h"
#include "train/dist/dist_context.h"
#include "train/engine/autocast.h"
#include "train/engine/loss_log.h"
#include "train/loss/set_criterion.h"
#include "train/model/rfdetr.h"

namespace studio::train {

std::vector<studio::Detection> cocoDetections(const PostProcessed& post, const std::vector<std::int64_t>& imageIds) {
    const at::Tensor scores = post.scores.detach().to(at::kCPU, at::kFloat).contiguous();
    const at::Tensor labels = post.labels.detach().to(at::kCPU, at::kLong).contiguous();
    const at::Tensor boxes = post.boxes.detach().to(at::kCPU, at::kFloat).contiguous();
    const int64_t b = scores.size(0), s = scores.size(1);
    std::vector<studio::Detection> out;
    out.reserve(static_cast<std::size_t>(b * s));
    const float* sc = scores.data_ptr<float>();
    const int64_t* lb = labels.data_ptr<int64_t>();
    const float* bx = boxes.data_ptr<float>();
    for (int64_t i = 0; i < b; ++i) {
        for (int64_t k = 0; k < s; ++k) {
            const int64_t j = i * s + k;
            studio::Detection d;
            d.imageId = imageIds.at(static_cast<std::size_t>(i));
            d.categoryId = lb[j];
            d.x = bx[4 * j];
            d.y = bx[4 * j + 1];
            d.w = static_cast<double>(bx[4 * j + 2]) - bx[4 * j];
            d.h = static_cast<double>(bx[4 * j + 3]) - bx[4 * j + 1];
            d.score = sc[j];
            out.push_back(d);
        }
    }
    return out;
}

std::string packDetections(const std::vector<studio::Detection>& d) {
    std::string bytes(d.size() * sizeof(studio::Detection), '\0');
    if (!d.empty()) std::memcpy(bytes.data(), d.data(), bytes.size());
    return bytes;
}

std::vector<studio::Detection> unpackDetections(const std::string& bytes) {
    std::vector<studio::Detection> d(bytes.size() / sizeof(studio::Detection));
    if (!d.empty()) std::memcpy(d.data(), bytes.data(), d.size() * sizeof(studio::Detection));
    return d;
}

CocoValidator::CocoValidator(std::unique_ptr<EvalBatchSource> source, std::shared_ptr<DistContext> dist,
                             CocoValidatorOptions options)
    : m_source(std::move(source)),
      m_dist(dist ? std::move(dist) : std::make_shared<SingleProcessDist>()),
      m_options(std::move(options)),
      m_evaluator(std::make_unique<CocoEvaluator>(m_source->groundTruth())) {}

CocoValidator::~CocoValidator() = default;

std::string CocoValidator::splitName() const { return m_source->name(); }

EvalOutcome CocoValidator::evaluate(RFDetrImpl& model, SetCriterion& criterion) {
    const auto t0 = std::chrono::steady_clock::now();
    c10::NoGradGuard noGrad;
    EvalOutcome e;
    std::vector<studio::Detection> detections;
    at::Tensor lossSum;
    long long batches = 0;
    m_source->rewind();
    while (std::optional<Batch> batch = m_source->next()) {
        const at::Tensor images = batch->images.to(m_options.device, /*non_blocking=*/true);
        ModelOutput out;
        LossResult losses;
        {
            AutocastScope autocast(m_options.autocast, m_options.autocastDtype);
            out = model.forward(images);
            losses = criterion(out, batch->targets);
        }
        if (e.lossNames.empty()) {
            e.lossNames = losses.names;
            e.lossWeights = losses.weights;
        }
        const at::Tensor packed = losses.packed().to(at::kDouble);
        lossSum = lossSum.defined() ? lossSum + packed : packed;
        ++batches;
        std::vector<int64_t> hw;
        for (const auto& [h, w] : batch->origSizes) {
            hw.push_back(h);
            hw.push_back(w);
        }
        const at::Tensor sizes = at::tensor(hw, at::kLong).view({-1, 2}).to(m_options.device);
        const PostProcessed post = postProcess(out.final, sizes, m_options.numSelect);
        const auto d = cocoDetections(post, batch->imageIds);
        detections.insert(detections.end(), d.begin(), d.end());
        e.images += static_cast<long long>(batch->imageIds.size());
    }
    // Losses: mean over every rank's batches; detections: every rank's shard.
    std::vector<at::Tensor> sums{lossSum.defined() ? lossSum : at::zeros({static_cast<int64_t>(e.lossNames.size())},
                                                                         at::kDouble),
                                 at::full({1}, static_cast<double>(batches), at::kDouble)};
    m_dist->allReduceSum(sums);
    const double count = sums[1].item<double>();
    if (count > 0) e.losses = toHostVector(sums[0] / count);
    if (m_dist->worldSize() > 1) {
        std::vector<studio::Detection> all;
        for (const std::string& part : m_dist->allGather(packDetections(detections))) {
            const auto d = unpackDetections(part);
            all.insert(all.end(), d.begin(), d.end());
        }
        detections = std::move(all);
    }
    // The distributed sampler pads shards with repeated images: keep each image's detections once.
    std::vector<studio::Detection> unique;
    {
        std::map<std::int64_t, std::size_t> firstOwner;  // image -> position of its first detection block
        std::size_t i = 0;
        while (i < detections.size()) {
            std::size_t j = i;
            while (j < detections.size() && detections[j].imageId == detections[i].imageId) ++j;
            if (firstOwner.emplace(detections[i].imageId, i).second)
                unique.insert(unique.end(), detections.begin() + i, detections.begin() + j);
            i = j;
        }
    }
    EvalParams params;
    params.maxDets = m_options.maxDets;
    const EvalResult result = m_evaluator->evaluate(unique, params);
    std::copy(result.stats.begin(), result.stats.end(), e.stats.begin());
    const auto& categories = m_source->groundTruth().categories();
    for (std::size_t k = 0; k < result.categoryIds.size() && k < result.perClassAP.size(); ++k) {
        if (result.perClassAP[k] < 0) continue;  // no ground truth of this category
        for (const auto& c : categories)
            if (c.id == result.categoryIds[k]) e.perClassMap[c.name] = result.perClassAP[k];
    }
    e.resultsJson = extendedMetricsToJson(computeExtendedMetrics(result, categories));
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return e;
}

}  // namespace studio::train
