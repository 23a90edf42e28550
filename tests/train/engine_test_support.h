#pragma once
// Test doubles for the training engine: a deterministic synthetic train source (random pages with bright
// boxes, shuffled per epoch from the seed) and a validator that returns scripted mAPs. They stand in for
// the data loader and the COCO evaluation so the loop's own logic is tested in isolation and in seconds.
#include <ATen/ATen.h>

#include <cmath>
#include <functional>
#include <set>
#include <vector>

#include "train/engine/batch_source.h"
#include "train/engine/validator.h"
#include "train/model/rfdetr.h"

namespace studio::train::testing {

class SyntheticTrainSource : public TrainBatchSource {
public:
    SyntheticTrainSource(int images, int batchImages, int resolution, int numClassLogits, std::uint64_t seed = 1)
        : m_images(images), m_batch(batchImages), m_res(resolution), m_logits(numClassLogits), m_seed(seed) {}

    long long numImages() const override { return m_images; }
    long long batchesPerEpoch() const override { return m_images / m_batch; }
    void seek(int epoch, long long batch) override {
        at::Generator g = at::make_generator<at::CPUGeneratorImpl>(m_seed * 1000 + static_cast<std::uint64_t>(epoch));
        m_order = at::randperm(m_images, g, at::kLong);
        m_next = batch;
    }
    std::optional<Batch> next() override {
        if (m_next >= batchesPerEpoch()) return std::nullopt;
        Batch b;
        std::vector<at::Tensor> imgs;
        for (int k = 0; k < m_batch; ++k) {
            const int64_t index = m_order[m_next * m_batch + k].item<int64_t>();
            ImageTargets t;
            imgs.push_back(image(index, t));
            b.targets.push_back(t);
            b.imageIds.push_back(index);
            b.origSizes.emplace_back(m_res, m_res);
        }
        b.images = at::stack(imgs);
        b.dataWaitMs = 0.5;
        ++m_next;
        return b;
    }
    void prepareStep(Batch& batch, long long it) override {
        ++m_steps;
        if (m_poison.count(m_steps)) batch.images.fill_(std::nan(""));
        if (m_onStep) m_onStep(m_steps);
    }
    nlohmann::json position() const override { return {{"next_batch", m_next}}; }

    /// Makes the n-th prepared batch of this source's life (1-based) all-NaN.
    void poisonStep(long long n) { m_poison.insert(n); }
    /// Called with the 1-based count of prepared steps, before the step runs.
    void onStep(std::function<void(long long)> f) { m_onStep = std::move(f); }

private:
    at::Tensor image(int64_t index, ImageTargets& t) const {
        at::Generator g = at::make_generator<at::CPUGeneratorImpl>(m_seed * 7919 + static_cast<std::uint64_t>(index));
        at::Tensor img = at::randn({3, m_res, m_res}, g) * 0.3;
        const int n = 1 + static_cast<int>(index % 3);
        at::Tensor boxes = at::rand({n, 4}, g);
        boxes.select(1, 0).mul_(0.5).add_(0.25);
        boxes.select(1, 1).mul_(0.5).add_(0.25);
        boxes.select(1, 2).mul_(0.25).add_(0.15);
        boxes.select(1, 3).mul_(0.25).add_(0.15);
        std::vector<int64_t> labels;
        for (int j = 0; j < n; ++j) {
            const int64_t label = 1 + (index + j) % (m_logits - 1);
            labels.push_back(label);
            const auto b = boxes[j];
            const int x0 = static_cast<int>((b[0].item<float>() - b[2].item<float>() / 2) * m_res);
            const int y0 = static_cast<int>((b[1].item<float>() - b[3].item<float>() / 2) * m_res);
            const int w = std::max(1, static_cast<int>(b[2].item<float>() * m_res));
            const int h = std::max(1, static_cast<int>(b[3].item<float>() * m_res));
            img.narrow(1, std::max(0, y0), h).narrow(2, std::max(0, x0), w).select(0, label % 3).add_(2.0);
        }
        t.boxes = boxes;
        t.labels = at::tensor(labels, at::kLong);
        return img;
    }

    int m_images, m_batch, m_res, m_logits;
    std::uint64_t m_seed;
    at::Tensor m_order;
    long long m_next = 0;
    long long m_steps = 0;
    std::set<long long> m_poison;
    std::function<void(long long)> m_onStep;
};

/// Returns the scripted mAPs in order (regular and EMA calls interleave as the trainer makes them).
class ScriptedValidator : public Validator {
public:
    explicit ScriptedValidator(std::vector<double> maps) : m_maps(std::move(maps)) {}
    EvalOutcome evaluate(RFDetrImpl& model, SetCriterion&) override {
        EvalOutcome e;
        const double map = m_calls < m_maps.size() ? m_maps[m_calls] : 0.0;
        ++m_calls;
        e.stats.fill(map / 2);
        e.stats[0] = map;
        e.stats[1] = std::min(1.0, map * 1.5);
        e.images = 4;
        e.resultsJson = {{"class_map", {{{"class", "all"}, {"map@50:95", map}}}}, {"map", e.stats[1]}};
        e.perClassMap = {{"field", map}};
        m_sawEvalMode.push_back(!model.is_training());
        return e;
    }
    std::string splitName() const override { return "valid"; }
    std::size_t calls() const { return m_calls; }
    const std::vector<bool>& sawEvalMode() const { return m_sawEvalMode; }

private:
    std::vector<double> m_maps;
    std::size_t m_calls = 0;
    std::vector<bool> m_sawEvalMode;
};

}  // namespace studio::train::testing
